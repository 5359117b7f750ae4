extension ExactAttention {
  /// Requests with at most this many query rows per KV head take the streaming path.
  static let streamingRowLimit = 16
  /// KV tokens per chunk on the streaming path.
  static let streamingChunk = 512

  /// Whether request `b` is computed by ``streamRequest(_:problem:queries:keys:values:output:logSumExp:)``.
  ///
  /// Decode-like requests (few query rows) are bound by reading K and V. The
  /// per-(request, KV head) items would walk each head's rows with a stride of
  /// `Hkv·D` elements, one page per row; streaming instead walks the cache in
  /// token chunks covering every head, so memory is read in order.
  static func streams(_ p: AttentionProblem, request b: Int) -> Bool {
    let r = p.requests[b]
    return r.queryLength > 0 && r.queryLength * p.groupSize <= streamingRowLimit
      && r.kvLength * r.queryLength * p.queryHeads <= scoreBudget * 4
  }

  /// Exact two-pass attention of one decode-like request, parallel over token chunks.
  ///
  /// 1. Scores `S = scale · Q Kᵀ` for every query row and key, chunk by chunk
  ///    (one product per chunk and KV head, all the group's query heads at once).
  /// 2. Per row: soft-cap, mask, max, `exp(s − max)` and the sum — over the
  ///    row's whole set of visible keys, as on the blocked path.
  /// 3. `P·V` per chunk into per-chunk partial sums, then the partials are
  ///    added in chunk order and divided by the row sum.
  ///
  /// Chunk boundaries are fixed, so the result does not depend on the number of cores.
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
    let qBase = p.queryOffsets[b]
    let kvBase = p.kvOffsets[b] * p.kvHeads * d

    // Packed query rows, KV head major: row (h, t, j) is token t, query head h·G + j.
    var q = [Scalar](repeating: 0, count: rows * d)
    for h in 0..<p.kvHeads {
      for t in 0..<r.queryLength {
        let src = ((qBase + t) * p.queryHeads + h * g) * d
        for e in 0..<(g * d) { q[(h * rowsPerHead + t * g) * d + e] = queries[src + e] }
      }
    }
    var scores = [Scalar](repeating: 0, count: rows * Swift.max(lk, 1))
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
              // 1. Scores, chunk by chunk over every KV head.
              ParallelLoop.run(count: chunks, makeState: { () }) { _, c in
                let (qp, s, _, _, _) = shared.value
                let j0 = c * streamingChunk
                let n = Swift.min(streamingChunk, lk - j0)
                for h in 0..<p.kvHeads {
                  let kp = keys + kvBase + j0 * ld + h * d
                  let sp = s + h * rowsPerHead * lk + j0
                  Scalar.multiplyByTranspose(
                    m: rowsPerHead, n: n, k: d, alpha: scale, a: qp + h * rowsPerHead * d, lda: d,
                    b: kp, ldb: ld, c: sp, ldc: lk)
                }
              }
              // 2. Softmax numerators per row over its visible keys.
              ParallelLoop.run(count: rows, makeState: { () }) { _, row in
                let (_, s, _, m, l) = shared.value
                let t = (row % rowsPerHead) / g
                let vis = p.visibleKeys(request: b, query: t)
                let sr = s + row * lk
                guard !vis.isEmpty else {
                  sr.update(repeating: 0, count: lk)
                  return
                }
                if let cap { for c in vis { sr[c] = cap * Scalar.tanh(sr[c] / cap) } }
                let mx = Scalar.maximum(sr + vis.lowerBound, count: vis.count)
                if vis.lowerBound > 0 { sr.update(repeating: 0, count: vis.lowerBound) }
                if vis.upperBound < lk {
                  (sr + vis.upperBound).update(repeating: 0, count: lk - vis.upperBound)
                }
                m[row] = mx
                l[row] = Scalar.expSubtracting(mx, sr + vis.lowerBound, count: vis.count)
              }
              // 3. P·V per chunk into partial sums.
              ParallelLoop.run(count: chunks, makeState: { () }) { _, c in
                let (_, s, part, _, _) = shared.value
                let j0 = c * streamingChunk
                let n = Swift.min(streamingChunk, lk - j0)
                for h in 0..<p.kvHeads {
                  let vp = values + kvBase + j0 * ld + h * d
                  let op = part + (c * rows + h * rowsPerHead) * d
                  let pp = s + h * rowsPerHead * lk + j0
                  Scalar.multiply(
                    m: rowsPerHead, n: d, k: n, a: pp, lda: lk, b: vp, ldb: ld, c: op, ldc: d)
                }
              }
              // Sum the partials in chunk order, normalize, scatter to [token, head, D].
              for row in 0..<rows {
                let h = row / rowsPerHead
                let t = (row % rowsPerHead) / g
                let j = row % g
                let dst = (qBase + t) * p.queryHeads + h * g + j
                let o = output + dst * d
                if l[row] == 0 {
                  o.update(repeating: 0, count: d)
                  logSumExp[dst] = -.infinity
                  continue
                }
                // Chunk by chunk (contiguous reads), the same order of additions per element.
                o.update(repeating: 0, count: d)
                for c in 0..<chunks {
                  let pc = part + (c * rows + row) * d
                  for e in 0..<d { o[e] += pc[e] }
                }
                for e in 0..<d { o[e] /= l[row] }
                logSumExp[dst] = m[row] + Scalar.log(l[row])
              }
            }
          }
        }
      }
    }
  }
}
