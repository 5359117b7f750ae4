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
  /// describes); `nil` uses ``defaultGrid(totalTiles:smCount:kvBlocks:kvHeads:batch:queryBlocks:ctasPerSM:)``.
  public var grid: Int?
  /// CTAs of the kernel that one SM holds at once, which caps the default
  /// grid at `ctasPerSM × SMs`; `nil` is ONNX Runtime's kernel's 2. Ignored
  /// when `grid` is set.
  public var ctasPerSM: Int?

  /// LeanAttention with `grid` CTAs (`nil`: ``defaultGrid(totalTiles:smCount:kvBlocks:kvHeads:batch:queryBlocks:ctasPerSM:)``
  /// for a kernel of `ctasPerSM` resident CTAs per SM, `nil`: 2) and lean tiles
  /// of `blockN` KV tokens (`nil`: the head dimension's default).
  public init(grid: Int? = nil, blockN: Int? = nil, ctasPerSM: Int? = nil) {
    self.grid = grid
    self.blockN = blockN
    self.ctasPerSM = ctasPerSM
  }

  /// The grid of the LeanAttention kernel shipped in ONNX Runtime, for a
  /// kernel that holds `ctasPerSM` CTAs per SM (ONNX Runtime's holds 2).
  ///
  /// `ctasPerSM × SMs`; but for `T ≤ 4 × SMs` tiles, `min((T + 1) / 2, ⌈32·T / kvBlocks⌉)`
  /// (at least two tiles per CTA), and otherwise `min(ctasPerSM × SMs, 32·Hkv·B·mBlocks)`;
  /// clamped to `[1, T]`. The paper's grid is every CTA slot of the GPU, so a
  /// kernel with more slots per SM gets a proportionally larger grid.
  ///
  /// - Complexity: O(1).
  public static func defaultGrid(
    totalTiles t: Int, smCount: Int, kvBlocks: Int, kvHeads: Int, batch: Int, queryBlocks: Int,
    ctasPerSM: Int = 2
  ) -> Int {
    var g: Int
    if t <= 4 * smCount {
      g = Swift.min((t + 1) / 2, (32 * t + kvBlocks - 1) / Swift.max(kvBlocks, 1))
    } else {
      // Saturating: a caller may pass any ctasPerSM.
      let (slots, overflow) = Swift.max(1, ctasPerSM).multipliedReportingOverflow(by: smCount)
      g = Swift.min(overflow ? Int.max : slots, 32 * kvHeads * batch * queryBlocks)
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
        if let ctasPerSM, ctasPerSM < 1 {
          throw .invalidParameter(name: "CTAs per SM", value: "\(ctasPerSM)", allowed: "1 or more")
        }
        g = Self.defaultGrid(
          totalTiles: t, smCount: device.smCount, kvBlocks: space.maxKVBlocks,
          kvHeads: problem.kvHeads,
          batch: problem.batchSize, queryBlocks: space.maxQueryBlocks, ctasPerSM: ctasPerSM ?? 2)
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
