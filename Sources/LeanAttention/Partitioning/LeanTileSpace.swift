/// One output tile: 64 packed query rows of one request and KV head.
///
/// For a KV head, the packed rows of a request are (query token, query head in
/// the group), token-major: row `r` is token `r / G`, query head `kvHead·G + r % G`.
/// For decode (one token) the group's query heads fill the rows (GQA packing).
public struct OutputTile: Hashable, Sendable, Codable {
  /// The request.
  public var request: Int
  /// The KV head.
  public var kvHead: Int
  /// Which block of packed rows.
  public var queryBlock: Int
  /// The packed rows, relative to the request's first row.
  public var rows: Range<Int>
  /// The KV blocks that hold a key visible to some row of the tile; empty when
  /// every row is fully masked.
  public var visibleBlocks: Range<Int>
}

extension OutputTile {
  /// The flat `[totalQ, Hq]` index of packed row `r` of this tile (relative to
  /// the request): token `r / G`, query head `kvHead·G + r % G`. Multiply by `D`
  /// for the row's first element in Q or O.
  @inlinable
  public func queryRow(_ r: Int, in p: AttentionProblem) -> Int {
    p.queryRow(request: request, kvHead: kvHead, packedRow: r)
  }
}

/// The lean tiles of a problem: output tiles, each cut into KV blocks of `blockN` tokens.
///
/// A lean tile is (request, KV head, block of 64 packed query rows, block of
/// `blockN` KV tokens). Only tiles that hold a visible key are counted, so a
/// ragged batch counts each request's own tiles and causal or windowed
/// problems skip the masked ones. The global order is (request, KV head,
/// query block, KV block): the order StreamK walks.
public struct LeanTileSpace: Hashable, Sendable {
  /// Packed query rows per tile.
  public static let rowsPerTile = 64

  /// KV tokens per tile for a head dimension: 256 for D ≤ 64, 128 for D ≤ 128,
  /// 64 above (the LeanAttention kernel's choice).
  public static func defaultBlockN(headDim: Int) -> Int {
    headDim <= 64 ? 256 : headDim <= 128 ? 128 : 64
  }

  /// The problem.
  public let problem: AttentionProblem
  /// KV tokens per tile.
  public let blockN: Int
  /// Every output tile in global order, empty ones included.
  public let outputs: [OutputTile]
  /// `tileStart[i]` is the global index of output `i`'s first lean tile; one extra entry at the end.
  public let tileStart: [Int]

  /// Enumerates the tiles of `problem`.
  ///
  /// - Throws: ``AttentionError/invalidParameter(name:value:allowed:)`` when `blockN < 1`.
  /// - Complexity: O(total packed query rows).
  public init(problem: AttentionProblem, blockN: Int? = nil) throws(AttentionError) {
    let n = blockN ?? Self.defaultBlockN(headDim: problem.headDim)
    guard n >= 1 else {
      throw .invalidParameter(name: "blockN", value: "\(n)", allowed: "1 or more")
    }
    try ScheduleLimits.check(problem, blockN: n)
    self.problem = problem
    self.blockN = n
    var outputs: [OutputTile] = []
    let g = problem.groupSize
    for b in 0..<problem.batchSize {
      let rows = problem.requests[b].queryLength * g
      let blocks = (rows + Self.rowsPerTile - 1) / Self.rowsPerTile
      // The visible keys of a row block are the union over its tokens.
      var spans: [Range<Int>] = []
      for m in 0..<blocks {
        let r = (m * Self.rowsPerTile)..<Swift.min((m + 1) * Self.rowsPerTile, rows)
        let keys = problem.visibleKeys(
          request: b, queries: (r.lowerBound / g)..<((r.upperBound - 1) / g + 1))
        spans.append(keys.isEmpty ? 0..<0 : (keys.lowerBound / n)..<((keys.upperBound + n - 1) / n))
      }
      for h in 0..<problem.kvHeads {
        for m in 0..<blocks {
          let r = (m * Self.rowsPerTile)..<Swift.min((m + 1) * Self.rowsPerTile, rows)
          outputs.append(
            OutputTile(request: b, kvHead: h, queryBlock: m, rows: r, visibleBlocks: spans[m]))
        }
      }
    }
    self.outputs = outputs
    var start = [0]
    for o in outputs { start.append(start[start.count - 1] + o.visibleBlocks.count) }
    tileStart = start
  }

  /// Lean tiles in total.
  public var totalTiles: Int { tileStart[tileStart.count - 1] }

  /// `⌈max KV length / blockN⌉`: KV blocks of the longest request (FlashAttention's `num_n_blocks`).
  public var maxKVBlocks: Int { (problem.maxKVLength + blockN - 1) / blockN }

  /// `⌈max packed rows / 64⌉`: row blocks of the longest request (`num_m_blocks`).
  public var maxQueryBlocks: Int {
    let rows = problem.maxQueryLength * problem.groupSize
    return (rows + Self.rowsPerTile - 1) / Self.rowsPerTile
  }

  /// The KV tokens of block `k` of output `i` (the last block of a request may be short).
  public func tokens(output i: Int, block k: Int) -> Range<Int> {
    let len = problem.requests[outputs[i].request].kvLength
    return (k * blockN)..<Swift.min((k + 1) * blockN, len)
  }
}
