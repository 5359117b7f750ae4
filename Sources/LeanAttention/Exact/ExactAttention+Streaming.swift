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
    let d = p.headDim
    let g = p.groupSize
    let lk = r.kvLength
    let rowsPerHead = r.queryLength * g  // packed rows (token, head in group) per KV head
    let rows = rowsPerHead * p.kvHeads
    let ld = p.kvHeads * d
    let chunks = (lk + streamingChunk - 1) / streamingChunk
    let tile = streamingTile(rowsPerHead: rowsPerHead)
    let qBase = p.queryOffsets[b]
    let kvBase = p.kvOffsets[b] * p.kvHeads * d

    // Packed query rows, KV head major: row (h, t, j) is token t, query head h·G + j.
    var q = [Scalar](repeating: 0, count: rows * d)
    q.withUnsafeMutableBufferPointer { qb in
      for h in 0..<p.kvHeads {
        packQueries(
          p, request: b, kvHead: h, tokens: 0..<r.queryLength, from: queries,
          into: qb.baseAddress! + h * rowsPerHead * d)
      }
    }
    // Score rows `sld` apart: one cache line past a multiple of 4 KiB, so the
    // rows of one token (read together, one per head) fall in different L1 sets.
    let sld = (lk + 1023) / 1024 * 1024 + 64 / MemoryLayout<Scalar>.stride
    var scores = [Scalar](repeating: 0, count: rows * sld)
    var partial = [Scalar](repeating: 0, count: chunks * rows * d)
    var rowMax = [Scalar](repeating: -.infinity, count: rows)
    var rowSum = [Scalar](repeating: 0, count: rows)
    let scale = Scalar(p.scale)
    let cap = p.softCap.map { Scalar($0) }

    q.withUnsafeBufferPointer { qBuf in
      scores.withUnsafeMutableBufferPointer { sBuf in
        partial.withUnsafeMutableBufferPointer { pBuf in
          rowMax.withUnsafeMutableBufferPointer { mBuf in
            rowSum.withUnsafeMutableBufferPointer { lBuf in
              guard let qp = qBuf.baseAddress, let s = sBuf.baseAddress,
                let part = pBuf.baseAddress,
                let m = mBuf.baseAddress, let l = lBuf.baseAddress
              else { return }
              let shared = UncheckedSendable((qp, s, part, m, l))
              // 1. Scores.
              ParallelLoop.run(count: chunks, makeState: { () }) { _, c in
                let (qp, s, _, _, _) = shared.value
                let j0 = c * streamingChunk
                let j1 = Swift.min(j0 + streamingChunk, lk)
                if rowsPerHead == 1 {
                  for j in j0..<j1 {
                    let kp = keys + kvBase + j * ld
                    for h in 0..<p.kvHeads {
                      s[h * sld + j] = scale * Scalar.dot(count: d, qp + h * d, kp + h * d)
                    }
                  }
                } else {
                  for t0 in stride(from: j0, to: j1, by: tile) {
                    let tn = Swift.min(tile, j1 - t0)
                    for h in 0..<p.kvHeads {
                      Scalar.multiplyByTranspose(
                        m: rowsPerHead, n: tn, k: d, alpha: scale, a: qp + h * rowsPerHead * d,
                        lda: d, b: keys + kvBase + t0 * ld + h * d, ldb: ld,
                        c: s + h * rowsPerHead * sld + t0, ldc: sld)
                    }
                  }
                }
              }
              // 2. Softmax numerators per row over its visible keys.
              ParallelLoop.run(count: rows, makeState: { () }) { _, row in
                let (_, s, _, m, l) = shared.value
                let t = (row % rowsPerHead) / g
                (m[row], l[row]) = RowBlockAttention.softmaxNumerators(
                  s + row * sld, count: lk, visible: p.visibleKeys(request: b, query: t),
                  softCap: cap)
              }
              // 3. P·V into per-chunk partial sums (zero-initialized, so every product adds).
              ParallelLoop.run(count: chunks, makeState: { () }) { _, c in
                let (_, s, part, _, _) = shared.value
                let j0 = c * streamingChunk
                let j1 = Swift.min(j0 + streamingChunk, lk)
                let chunkPart = part + c * rows * d
                for t0 in stride(from: j0, to: j1, by: tile) {
                  let tn = Swift.min(tile, j1 - t0)
                  for h in 0..<p.kvHeads {
                    Scalar.multiply(
                      m: rowsPerHead, n: d, k: tn, a: s + h * rowsPerHead * sld + t0, lda: sld,
                      b: values + kvBase + t0 * ld + h * d, ldb: ld, beta: 1,
                      c: chunkPart + h * rowsPerHead * d, ldc: d)
                  }
                }
              }
              // Sum the partials in chunk order, normalize, scatter to [token, head, D].
              for row in 0..<rows {
                let h = row / rowsPerHead
                let t = (row % rowsPerHead) / g
                let j = row % g
                let dst = (qBase + t) * p.queryHeads + h * g + j
                let o = output + dst * d
                // Chunk by chunk (contiguous reads), the same order of additions per element.
                o.update(repeating: 0, count: d)
                for c in 0..<chunks {
                  let pc = part + (c * rows + row) * d
                  for e in 0..<d { o[e] += pc[e] }
                }
                logSumExp[dst] = RowBlockAttention.normalize(o, count: d, max: m[row], sum: l[row])
              }
            }
          }
        }
      }
    }
  }
}
