/// FlashAttention-3's split-KV schedule: `get_num_splits`, and for varlen batches a
/// split count per request from `prepare_varlen_num_blocks`.
///
/// KV blocks are FlashAttention-3's `kBlockN` tokens (``FA3Launch``), so split
/// boundaries fall where the kernel's do: split `s` of `S` of an output tile covers
/// blocks `lo + s·p ..< min(lo + (s+1)·p, hi)` of its own visible blocks `lo..<hi`,
/// `p = ⌈(hi − lo) / S⌉` (`get_n_block_min_max`); trailing splits may be empty and their
/// CTAs do nothing. Query rows are the library's 64-row packed-GQA tiles; `kBlockM`
/// enters only the split-count formulas (for decode with up to 64 query heads per KV
/// head both give one row tile per KV head).
///
/// CTA order follows the kernel's tile order: for a dense batch the grid
/// `(m blocks, splits × KV heads, batch)`, so batch, KV head, split, row block; for a
/// varlen batch the persistent scheduler's order, requests sorted by KV blocks per
/// split, longest first (not for local masks; ties keep batch order), then KV head,
/// split, row block (reversed for causal and local masks). The persistent scheduler
/// hands the next tile to the first free CTA, which is what the timeline's list
/// scheduling of one CTA per tile does; its L2-grouping of heads for causal masks is
/// not reproduced. Partial states are merged by a separate combine kernel.
public struct FA3SplitPartitioner: Partitioner {
  public var name: String { "fa3-split" }
  /// Overrides `kBlockN`; `nil` uses FlashAttention-3's tile table.
  public var blockN: Int?
  /// FlashAttention-3's `num_splits > 0`: a fixed count (for a varlen batch, the
  /// bound of the dynamic counts); `nil` runs `get_num_splits`.
  public var numSplits: Int?
  /// `nil`: varlen exactly when the requests' lengths differ.
  public var varlen: Bool?
  /// Compute capability × 10; `nil` uses ``FA3Launch/architecture(of:)``.
  public var architecture: Int?

  /// FlashAttention-3's split schedule; every parameter left `nil` takes FlashAttention-3's choice.
  ///
  /// - Parameters:
  ///   - numSplits: a fixed split count (the bound of the dynamic counts for varlen).
  ///   - varlen: whether the batch is run as varlen.
  ///   - architecture: compute capability × 10.
  ///   - blockN: overrides `kBlockN`.
  public init(
    numSplits: Int? = nil, varlen: Bool? = nil, architecture: Int? = nil, blockN: Int? = nil
  ) {
    self.numSplits = numSplits
    self.varlen = varlen
    self.architecture = architecture
    self.blockN = blockN
  }

  /// The launch, its static split count, and the split count of every request.
  ///
  /// - Throws: ``AttentionError/invalidParameter(name:value:allowed:)`` for
  ///   `numSplits` outside 1...255 or sizes beyond FlashAttention-3's 32-bit `int`.
  public func splits(_ problem: AttentionProblem, on device: DeviceModel) throws(AttentionError)
    -> (launch: FA3Launch, staticSplits: Int, perRequest: [Int])
  {
    let launch = try FA3Launch(
      problem: problem, device: device, varlen: varlen, architecture: architecture,
      blockN: blockN)
    let s: Int32
    if let numSplits {
      // The varlen scheduler keeps the split count in 8 bits.
      guard let n = Int32(exactly: numSplits), (1...255).contains(n) else {
        throw .invalidParameter(name: "numSplits", value: "\(numSplits)", allowed: "1...255")
      }
      s = n
    } else {
      // Only a KV head beyond 2 GiB wraps FlashAttention-3's int below 1; run one split then.
      s = Swift.max(1, launch.staticSplits)
    }
    guard launch.varlen else {
      return (launch, Int(s), problem.requests.map { _ in Int(s) })
    }
    let kernelN = launch.kernelBlockN(staticSplits: s)
    let g = problem.groupSize
    var m: [Int32] = []
    var n: [Int32] = []
    for r in problem.requests {
      // Lengths and packed rows were checked to fit Int32 by FA3Launch.
      let rows = Int32(truncatingIfNeeded: r.queryLength &* g)
      m.append(FA3Launch.ceilDiv(rows, launch.blockM))
      n.append(FA3Launch.ceilDiv(Int32(truncatingIfNeeded: r.kvLength), kernelN))
    }
    let dynamic = FA3SplitHeuristic.dynamicSplits(
      mBlocks: m, nBlocks: n, heads: launch.kvHeads, numSMs: launch.numSMs, staticSplits: s)
    return (launch, Int(s), dynamic.map(Int.init))
  }

  public func schedule(_ problem: AttentionProblem, on device: DeviceModel) throws(AttentionError)
    -> Schedule
  {
    let (launch, s, perRequest) = try splits(problem, on: device)
    let kernelN = Int(launch.kernelBlockN(staticSplits: Int32(s)))
    let space = try LeanTileSpace(problem: problem, blockN: kernelN)
    var tilesOf = [[Int]](repeating: [], count: problem.batchSize * problem.kvHeads)
    for (i, o) in space.outputs.enumerated() {
      tilesOf[o.request * problem.kvHeads + o.kvHead].append(i)
    }
    var order = Array(0..<problem.batchSize)
    let reversed = launch.varlen && (launch.causal || launch.local)
    if launch.varlen && !launch.local {
      // Sort key of prepare_varlen_num_blocks: KV blocks per split, or for causal
      // masks the keys left after the diagonal; descending, stable.
      let keys = problem.requests.enumerated().map { b, r -> Int in
        let nb = (r.kvLength + kernelN - 1) / kernelN
        let perSplit = (nb + perRequest[b] - 1) / perRequest[b]
        guard launch.causal else { return perSplit }
        let rows = r.queryLength * problem.groupSize
        let mb = (rows + Int(launch.blockM) - 1) / Int(launch.blockM)
        return perSplit * kernelN - mb * Int(launch.blockM)
      }
      order = order.enumerated().sorted { a, b in
        keys[a.element] != keys[b.element]
          ? keys[a.element] > keys[b.element] : a.offset < b.offset
      }.map(\.element)
    }
    var ctas: [[Segment]] = []
    for b in order {
      let splits = perRequest[b]
      for h in 0..<problem.kvHeads {
        let tiles = tilesOf[b * problem.kvHeads + h]
        for split in 0..<splits {
          for o in reversed ? tiles.reversed() : tiles {
            let vis = space.outputs[o].visibleBlocks
            let per = (vis.count + splits - 1) / splits
            let lo = vis.lowerBound + split * per
            let hi = Swift.min(lo + per, vis.upperBound)
            ctas.append(lo < hi ? [Segment(output: o, blocks: lo..<hi)] : [])
          }
        }
      }
    }
    return Schedule(
      partitioner: name, device: device, blockN: space.blockN, outputs: space.outputs, ctas: ctas,
      reduction: .combinePass, numSplits: launch.varlen ? nil : s)
  }
}
