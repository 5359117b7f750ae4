extension ExactAttention {
  /// Requests with at most this many query rows per KV head take the streaming path.
  static let streamingRowLimit = 64
  /// KV tokens per chunk on the streaming path.
  static let streamingChunk = 512
  /// KV tokens per `P·V` product on the streaming path (and per `Q·Kᵀ`
  /// product with several query rows per KV head), measured on the
  /// development machine: 4 for one row (`gemv`; the per-head output stays in
  /// L1, where `axpy` per token spilled the chunk's 16 KB of sums and ran 6%
  /// slower), 16 below 16 rows (GQA with 4 rows ran 25% faster than with
  /// 32), else 32 (MQA with 32 rows ran 13% faster than with 16).
  static func streamingTile(rowsPerHead: Int) -> Int {
    rowsPerHead == 1 ? 4 : rowsPerHead < 16 ? 16 : 32
  }

  /// Whether request `b` is computed by ``streamRequest(_:problem:queries:keys:values:output:logSumExp:)``.
  ///
  /// Decode-like requests (few query rows) are bound by reading K and V, and
  /// have too few query blocks to keep every core busy on the blocked path
  /// (MQA decode is a single block). Streaming splits the cache into token
  /// chunks instead, and walks each chunk in address order.
  static func streams(_ p: AttentionProblem, request b: Int) -> Bool {
    let r = p.requests[b]
    return r.queryLength > 0 && r.queryLength * p.groupSize <= streamingRowLimit
      && r.kvLength * r.queryLength * p.queryHeads <= scoreBudget * 4
  }

  /// Exact two-pass attention of one decode-like request, parallel over token chunks.
  ///
  /// 1. Scores `S = scale · Q Kᵀ` for every query row and key. With one query
  ///    row per KV head (MHA decode) each is a dot product, taken token by
  ///    token over all heads, so the cache is read in address order; reading
  ///    head by head instead would fetch 512-byte rows `Hkv·D` elements apart,
  ///    which the hardware prefetchers follow poorly (about 15% slower here).
  ///    With several rows per KV head, one product per KV head and tile of
  ///    ``streamingTile(rowsPerHead:)`` tokens serves the group's rows at once.
  /// 2. Per row: soft-cap, mask, max, `exp(s − max)` and the sum — over the
  ///    row's whole set of visible keys, as on the blocked path.
  /// 3. `P·V`, one product per KV head and tile of tokens, accumulated into
  ///    one partial sum per chunk; the partials are added in chunk order and
  ///    divided by the row sum.
  ///
  /// Chunk boundaries and the order of additions within a chunk are fixed, so
  /// the result does not depend on the number of cores.
  ///
  /// - Complexity: O(Lq·Hq·Lk·D) time, O(Lq·Hq·(Lk + chunks·D)) scratch.
  static func streamRequest<Scalar: BLASScalar>(
    _ b: Int, problem p: AttentionProblem,
    queries: UnsafePointer<Scalar>, keys: UnsafePointer<Scalar>, values: UnsafePointer<Scalar>,
    output: UnsafeMutablePointer<Scalar>, logSumExp: UnsafeMutablePointer<Scalar>
  ) {
    let r = p.requests[b]
    let s = StreamingScratch<Scalar>(
      problem: p, request: b, keys: keys + p.kvOffsets[b] * p.kvHeads * p.headDim,
      values: values + p.kvOffsets[b] * p.kvHeads * p.headDim)
    defer { s.deallocate() }
    // Packed query rows, KV head major: row (h, t, j) is token t, query head h·G + j.
    for h in 0..<p.kvHeads {
      packQueries(
        p, request: b, kvHead: h, tokens: 0..<r.queryLength, from: queries,
        into: s.queries + h * s.rowsPerHead * p.headDim)
    }
    let shared = UncheckedSendable(s)
    ParallelLoop.run(count: s.chunks, makeState: { () }) { _, c in shared.value.scores(chunk: c) }
    ParallelLoop.run(count: s.rows, makeState: { () }) { _, row in
      shared.value.softmaxNumerators(row: row)
    }
    ParallelLoop.run(count: s.chunks, makeState: { () }) { _, c in
      shared.value.weightedValues(chunk: c)
    }
    s.sumChunks(into: output, logSumExp: logSumExp)
  }
}

/// The scratch of one streamed request and its three steps, each over
/// disjoint parts of it (so the steps' parallel loops share it safely).
struct StreamingScratch<Scalar: BLASScalar> {
  let p: AttentionProblem
  let request: Int
  let keys: UnsafePointer<Scalar>
  let values: UnsafePointer<Scalar>
  let kvLength: Int
  /// Packed rows (token, head in group) per KV head.
  let rowsPerHead: Int
  let rows: Int
  let chunks: Int
  let tile: Int
  /// Score rows `sld` apart: one cache line past a multiple of 4 KiB, so the
  /// rows of one token (read together, one per head) fall in different L1 sets.
  let sld: Int
  let queries: UnsafeMutablePointer<Scalar>
  let scoreRows: UnsafeMutablePointer<Scalar>
  let partial: UnsafeMutablePointer<Scalar>
  let rowMax: UnsafeMutablePointer<Scalar>
  let rowSum: UnsafeMutablePointer<Scalar>

  init(
    problem p: AttentionProblem, request b: Int, keys: UnsafePointer<Scalar>,
    values: UnsafePointer<Scalar>
  ) {
    self.p = p
    request = b
    self.keys = keys
    self.values = values
    let r = p.requests[b]
    let d = p.headDim
    kvLength = r.kvLength
    rowsPerHead = r.queryLength * p.groupSize
    rows = rowsPerHead * p.kvHeads
    chunks = (kvLength + ExactAttention.streamingChunk - 1) / ExactAttention.streamingChunk
    tile = ExactAttention.streamingTile(rowsPerHead: rowsPerHead)
    sld = (kvLength + 1023) / 1024 * 1024 + 64 / MemoryLayout<Scalar>.stride
    func allocate(_ n: Int, _ value: Scalar) -> UnsafeMutablePointer<Scalar> {
      let buffer = UnsafeMutablePointer<Scalar>.allocate(capacity: Swift.max(1, n))
      buffer.initialize(repeating: value, count: Swift.max(1, n))
      return buffer
    }
    queries = allocate(rows * d, 0)
    scoreRows = allocate(rows * sld, 0)
    partial = allocate(chunks * rows * d, 0)  // zeroed, so every product adds
    rowMax = allocate(rows, -.infinity)
    rowSum = allocate(rows, 0)
  }

  func deallocate() {
    for buffer in [queries, scoreRows, partial, rowMax, rowSum] { buffer.deallocate() }
  }

  /// The KV tokens of chunk `c`.
  func tokens(chunk c: Int) -> Range<Int> {
    let j0 = c * ExactAttention.streamingChunk
    return j0..<Swift.min(j0 + ExactAttention.streamingChunk, kvLength)
  }

  /// Step 1: the scores `scale · q·k` of chunk `c`'s keys for every row.
  func scores(chunk c: Int) {
    let d = p.headDim
    let ld = p.kvHeads * d
    let scale = Scalar(p.scale)
    let range = tokens(chunk: c)
    if rowsPerHead == 1 {
      for j in range {
        let kp = keys + j * ld
        for h in 0..<p.kvHeads {
          scoreRows[h * sld + j] = scale * Scalar.dot(count: d, queries + h * d, kp + h * d)
        }
      }
      return
    }
    for t0 in stride(from: range.lowerBound, to: range.upperBound, by: tile) {
      let tn = Swift.min(tile, range.upperBound - t0)
      for h in 0..<p.kvHeads {
        Scalar.multiplyByTranspose(
          m: rowsPerHead, n: tn, k: d, alpha: scale, a: queries + h * rowsPerHead * d,
          lda: d, b: keys + t0 * ld + h * d, ldb: ld,
          c: scoreRows + h * rowsPerHead * sld + t0, ldc: sld)
      }
    }
  }

  /// Step 2: soft-cap, mask, max, `exp(s − max)` and the sum of one row, over
  /// its whole set of visible keys.
  func softmaxNumerators(row: Int) {
    let t = (row % rowsPerHead) / p.groupSize
    (rowMax[row], rowSum[row]) = RowBlockAttention.softmaxNumerators(
      scoreRows + row * sld, count: kvLength, visible: p.visibleKeys(request: request, query: t),
      softCap: p.softCap.map { Scalar($0) })
  }

  /// Step 3: `P·V` of chunk `c`'s tokens into the chunk's partial sums.
  func weightedValues(chunk c: Int) {
    let d = p.headDim
    let ld = p.kvHeads * d
    let range = tokens(chunk: c)
    let chunkPart = partial + c * rows * d
    for t0 in stride(from: range.lowerBound, to: range.upperBound, by: tile) {
      let tn = Swift.min(tile, range.upperBound - t0)
      for h in 0..<p.kvHeads {
        Scalar.multiply(
          m: rowsPerHead, n: d, k: tn, a: scoreRows + h * rowsPerHead * sld + t0, lda: sld,
          b: values + t0 * ld + h * d, ldb: ld, beta: 1,
          c: chunkPart + h * rowsPerHead * d, ldc: d)
      }
    }
  }

  /// Sums the partials in chunk order, normalizes, and writes each row to its
  /// place in `O [totalQ, Hq, D]` and `LSE [totalQ, Hq]`.
  func sumChunks(into output: UnsafeMutablePointer<Scalar>, logSumExp: UnsafeMutablePointer<Scalar>)
  {
    let d = p.headDim
    for row in 0..<rows {
      let dst = p.queryRow(
        request: request, kvHead: row / rowsPerHead, packedRow: row % rowsPerHead)
      let o = output + dst * d
      // Chunk by chunk (contiguous reads), the same order of additions per element.
      o.update(repeating: 0, count: d)
      for c in 0..<chunks {
        let pc = partial + (c * rows + row) * d
        for e in 0..<d { o[e] += pc[e] }
      }
      logSumExp[dst] = RowBlockAttention.normalize(o, count: d, max: rowMax[row], sum: rowSum[row])
    }
  }
}
