/// FlashDecoding: every output tile cut into `numSplits` equal ranges of the padded
/// maximum KV length, one CTA per (output tile, split).
///
/// Split `s` covers KV blocks `s·⌈n/S⌉ ..< (s+1)·⌈n/S⌉` of the longest request's
/// `n` blocks; a shorter request (or a causal row block) leaves some splits
/// empty, and their CTAs do nothing — the waste LeanAttention removes.
public struct FixedSplitPartitioner: Partitioner {
  public var name: String { "fixed-split" }
  public var blockN: Int?
  /// Splits per output tile; `nil` uses ``numSplitsHeuristic(batchHeadsMBlocks:smCount:kvBlocks:maxSplits:)``
  /// as FlashAttention-2 calls it (with `2 × SMs` and at most 128 splits).
  public var numSplits: Int?

  /// FlashDecoding with `numSplits` splits per output tile (`nil`: FlashAttention-2's
  /// heuristic) and lean tiles of `blockN` KV tokens (`nil`: the head dimension's default).
  public init(numSplits: Int? = nil, blockN: Int? = nil) {
    self.numSplits = numSplits
    self.blockN = blockN
  }

  /// FlashAttention-2's `num_splits_heuristic`, reproduced exactly.
  ///
  /// 1 split when `b·h·mBlocks ≥ 0.8 × smCount` (Float). Otherwise, for each
  /// split count `s` up to `min(maxSplits, smCount, kvBlocks)` that changes
  /// `⌈kvBlocks / s⌉` (or `s = 1`), the wave efficiency is `w / ⌈w⌉` with
  /// `w = b·h·mBlocks·s / smCount` in Float; the answer is the smallest `s`
  /// whose efficiency is at least `0.85 ×` the best (compared in Double, as the
  /// C++ `0.85 * max_efficiency` promotes).
  public static func numSplitsHeuristic(
    batchHeadsMBlocks bhm: Int, smCount: Int, kvBlocks: Int, maxSplits: Int
  )
    -> Int
  {
    if Float(bhm) >= 0.8 * Float(smCount) { return 1 }
    let limit = Swift.min(maxSplits, smCount, kvBlocks)
    guard limit >= 1 else { return 1 }
    func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }
    func eligible(_ s: Int) -> Bool { s == 1 || ceilDiv(kvBlocks, s) != ceilDiv(kvBlocks, s - 1) }
    var efficiency = [Float](repeating: 0, count: limit)
    var best: Float = 0
    for s in 1...limit where eligible(s) {
      let waves = Float(bhm * s) / Float(smCount)
      let e = waves / waves.rounded(.up)
      if e > best { best = e }
      efficiency[s - 1] = e
    }
    for s in 1...limit where eligible(s) && Double(efficiency[s - 1]) >= 0.85 * Double(best) {
      return s
    }
    return 1
  }

  /// The number of splits this partitioner uses for `problem` on `device`.
  public func splits(_ problem: AttentionProblem, on device: DeviceModel) throws(AttentionError)
    -> Int
  {
    if let numSplits {
      guard numSplits >= 1 else {
        throw .invalidParameter(name: "numSplits", value: "\(numSplits)", allowed: "1 or more")
      }
      return numSplits
    }
    let space = try LeanTileSpace(problem: problem, blockN: blockN)
    return Self.numSplitsHeuristic(
      batchHeadsMBlocks: problem.batchSize * problem.kvHeads * space.maxQueryBlocks,
      smCount: 2 * device.smCount, kvBlocks: space.maxKVBlocks, maxSplits: 128)
  }

  public func schedule(_ problem: AttentionProblem, on device: DeviceModel) throws(AttentionError)
    -> Schedule
  {
    let space = try LeanTileSpace(problem: problem, blockN: blockN)
    let s = try splits(problem, on: device)
    try ScheduleLimits.check(ctas: CheckedSize.product([space.outputs.count, s]))
    let perSplit = Swift.max(1, (space.maxKVBlocks + s - 1) / s)
    var ctas: [[Segment]] = []
    for (i, o) in space.outputs.enumerated() {
      for k in 0..<s {
        let range = (k * perSplit)..<((k + 1) * perSplit)
        let lo = Swift.max(range.lowerBound, o.visibleBlocks.lowerBound)
        let hi = Swift.min(range.upperBound, o.visibleBlocks.upperBound)
        ctas.append(lo < hi ? [Segment(output: i, blocks: lo..<hi)] : [])
      }
    }
    return Schedule(
      partitioner: name, device: device, blockN: space.blockN, outputs: space.outputs, ctas: ctas,
      reduction: .combinePass, numSplits: s)
  }
}
