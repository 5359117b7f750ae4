/// LeanAttention (StreamK): every CTA takes the same number of lean tiles, ±1.
///
/// All lean tiles are laid in one global order (request, KV head, query
/// block, KV block); CTA `c` takes a contiguous run. The first `highLoad` CTAs
/// take `maxTiles`, the rest `maxTiles − 1`, so loads differ by at most one
/// tile, and a run may cut an output tile anywhere — into unequal pieces that
/// the associative merge puts back together. The CTA whose run holds an output
/// tile's first visible block is its host.
public struct LeanPartitioner: Partitioner {
  public var name: String { "lean" }
  public var blockN: Int?
  /// An explicit grid (for instance exactly one CTA per SM, as the paper
  /// describes); `nil` uses ``defaultGrid(totalTiles:smCount:kvBlocks:kvHeads:batch:queryBlocks:)``.
  public var grid: Int?

  /// LeanAttention with `grid` CTAs (`nil`: ``defaultGrid(totalTiles:smCount:kvBlocks:kvHeads:batch:queryBlocks:)``)
  /// and lean tiles of `blockN` KV tokens (`nil`: the head dimension's default).
  public init(grid: Int? = nil, blockN: Int? = nil) {
    self.grid = grid
    self.blockN = blockN
  }

  /// The grid of the LeanAttention kernel shipped in ONNX Runtime.
  ///
  /// `2 × SMs`; but for `T ≤ 4 × SMs` tiles, `min((T + 1) / 2, ⌈32·T / kvBlocks⌉)`
  /// (at least two tiles per CTA), and otherwise `min(2 × SMs, 32·Hkv·B·mBlocks)`;
  /// clamped to `[1, T]`.
  public static func defaultGrid(
    totalTiles t: Int, smCount: Int, kvBlocks: Int, kvHeads: Int, batch: Int, queryBlocks: Int
  ) -> Int {
    var g: Int
    if t <= 4 * smCount {
      g = Swift.min((t + 1) / 2, (32 * t + kvBlocks - 1) / Swift.max(kvBlocks, 1))
    } else {
      g = Swift.min(2 * smCount, 32 * kvHeads * batch * queryBlocks)
    }
    return Swift.max(1, Swift.min(g, t))
  }

  /// `(grid, maxTiles, highLoad)` for `totalTiles` tiles: `maxTiles = ⌈T / grid⌉`,
  /// `highLoad = T − (maxTiles − 1) · grid`.
  public static func loads(totalTiles t: Int, grid: Int) -> (maxTiles: Int, highLoad: Int) {
    let maxTiles = (t + grid - 1) / grid
    return (maxTiles, t - (maxTiles - 1) * grid)
  }

  public func schedule(_ problem: AttentionProblem, on device: DeviceModel) throws(AttentionError)
    -> Schedule
  {
    let space = try LeanTileSpace(problem: problem, blockN: blockN)
    let t = space.totalTiles
    var ctas: [[Segment]] = []
    var highLoadCTAs: Int?
    if t > 0 {
      let g: Int
      if let grid {
        guard grid >= 1 else {
          throw .invalidParameter(name: "grid", value: "\(grid)", allowed: "1 or more")
        }
        g = Swift.min(grid, t)
      } else {
        g = Self.defaultGrid(
          totalTiles: t, smCount: device.smCount, kvBlocks: space.maxKVBlocks,
          kvHeads: problem.kvHeads,
          batch: problem.batchSize, queryBlocks: space.maxQueryBlocks)
      }
      let (maxTiles, highLoad) = Self.loads(totalTiles: t, grid: g)
      highLoadCTAs = highLoad
      var output = 0
      var start = 0
      for c in 0..<g {
        let count = c < highLoad ? maxTiles : maxTiles - 1
        var segments: [Segment] = []
        var tile = start
        let end = start + count
        while tile < end {
          while space.tileStart[output + 1] <= tile { output += 1 }
          let o = space.outputs[output]
          let first = o.visibleBlocks.lowerBound + (tile - space.tileStart[output])
          let take = Swift.min(end, space.tileStart[output + 1]) - tile
          segments.append(Segment(output: output, blocks: first..<(first + take)))
          tile += take
        }
        ctas.append(segments)
        start = end
      }
    }
    return Schedule(
      partitioner: name, device: device, blockN: space.blockN, outputs: space.outputs, ctas: ctas,
      reduction: .hostMerge, highLoadCTAs: highLoadCTAs)
  }
}
