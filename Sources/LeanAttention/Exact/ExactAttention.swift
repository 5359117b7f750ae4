/// Exact attention on the CPU: the oracle the rest of the library is checked against.
///
/// Each (request, KV head, block of query tokens) is one work item. The query
/// rows of all heads that share the KV head are packed together (GQA packing),
/// so one BLAS product serves the whole group. A block's scores are
/// `rows × visible keys`, never the full score matrix: the number of query
/// tokens per block shrinks as the context grows so that a block stays within
/// ``scoreBudget`` scores, which bounds memory for any length (a 131072-token
/// causal prefill uses at most a few tens of MiB of scratch per core).
///
/// The softmax of each row is computed in two passes over the row's full set
/// of visible keys (no online rescaling), in `Scalar` arithmetic.
///
/// Same inputs give bitwise the same output on every run: BLAS runs on one
/// thread per call and the block boundaries do not depend on the core count.
public enum ExactAttention {
  /// Scores per block (`rows × keys`) above which blocks get fewer query tokens.
  public static let scoreBudget = 1 << 22
  /// Packed query rows a block aims for, for efficient products.
  public static let targetRows = 256

  /// Computes `O` and the natural-log `LSE` of `inputs` in `Scalar` arithmetic.
  ///
  /// - Complexity: O(visible (query, key) pairs · D · Hq) time;
  ///   O(workers · ``scoreBudget``) scratch beyond the inputs and outputs.
  @_specialize(where Scalar == Float, Element == Float)
  @_specialize(where Scalar == Double, Element == Double)
  @_specialize(where Scalar == Double, Element == Float)
  @_specialize(where Scalar == Float, Element == Float16)
  @_specialize(where Scalar == Double, Element == Float16)
  @_specialize(where Scalar == Float, Element == BFloat16)
  @_specialize(where Scalar == Double, Element == BFloat16)
  public static func compute<Scalar: BLASScalar, Element: StorageScalar>(
    _ inputs: AttentionInputs<Element>, in _: Scalar.Type = Scalar.self
  ) -> AttentionOutput<Scalar> {
    let p = inputs.problem
    let d = p.headDim
    let g = p.groupSize
    let kv = PackedKeyValues<Scalar>(inputs)
    let queries: [Scalar] =
      Element.self == Scalar.self
      ? unsafeBitCast(inputs.queries.storage, to: [Scalar].self)
      : inputs.queries.storage.map { Scalar($0.doubleValue) }
    var out = [Scalar](repeating: 0, count: p.totalQueryTokens * p.queryHeads * d)
    var lse = [Scalar](repeating: -.infinity, count: p.totalQueryTokens * p.queryHeads)
    let items = workItems(p)
    let maxRows = items.map { $0.tokens.count * g }.max() ?? 0

    out.withUnsafeMutableBufferPointer { oBuf in
      lse.withUnsafeMutableBufferPointer { lBuf in
        kv.keys.withUnsafeBufferPointer { kBuf in
          kv.values.withUnsafeBufferPointer { vBuf in
            queries.withUnsafeBufferPointer { qBuf in
              guard let o = oBuf.baseAddress, let l = lBuf.baseAddress,
                let k = kBuf.baseAddress, let v = vBuf.baseAddress, let q = qBuf.baseAddress
              else { return }  // nothing to compute: no query rows or no keys
              for b in 0..<p.batchSize where streams(p, request: b) {
                streamRequest(
                  b, problem: p, queries: q, keys: k, values: v, output: o, logSumExp: l)
              }
              let shared = UncheckedSendable((o, l))
              ParallelLoop.run(
                count: items.count,
                makeState: {
                  Worker<Scalar, RowBlockAttention<Scalar>>(
                    kernel: RowBlockAttention(headDim: d, scale: p.scale, softCap: p.softCap),
                    maxRows: maxRows, headDim: d)
                },
                body: { w, index in
                  w.compute(
                    items[index], problem: p, queries: q, keys: k, values: v,
                    output: shared.value.0, logSumExp: shared.value.1)
                })
            }
          }
        }
      }
    }
    return AttentionOutput(
      output: Tensor(uncheckedShape: [p.totalQueryTokens, p.queryHeads, d], storage: out),
      logSumExp: Tensor(uncheckedShape: [p.totalQueryTokens, p.queryHeads], storage: lse))
  }

  /// The largest number of scores (`rows × keys`) one block of `problem` holds at once.
  ///
  /// Multiply by the scalar's size for the per-worker score scratch.
  public static func maxBlockScores(_ problem: AttentionProblem) -> Int {
    workItems(problem).map { item in
      item.tokens.count * problem.groupSize * problem.requests[item.request].kvLength
    }.max() ?? 0
  }

  /// Copies the query rows of one KV head's group for `tokens` of request `b`
  /// to `destination`, packed: row `(t, j)` is token `tokens.lowerBound + t`,
  /// query head `kvHead·G + j` (the group's heads are adjacent in memory).
  ///
  /// - Complexity: O(tokens · G · D).
  static func packQueries<Scalar>(
    _ p: AttentionProblem, request b: Int, kvHead: Int, tokens: Range<Int>,
    from queries: UnsafePointer<Scalar>, into destination: UnsafeMutablePointer<Scalar>
  ) {
    let rowLength = p.groupSize * p.headDim
    for (t, i) in tokens.enumerated() {
      let src = ((p.queryOffsets[b] + i) * p.queryHeads + kvHead * p.groupSize) * p.headDim
      (destination + t * rowLength).update(from: queries + src, count: rowLength)
    }
  }

  /// Copies packed `rows` of one KV head's group in request `b` (relative to
  /// the request, as ``AttentionProblem/queryRow(request:kvHead:packedRow:)``
  /// numbers them) from `[rows, D]` and `[rows]` to their places in
  /// `O [totalQ, Hq, D]` and `LSE [totalQ, Hq]`: the one way rows go back.
  ///
  /// - Complexity: O(rows · D).
  static func scatterRows<Scalar>(
    _ p: AttentionProblem, request b: Int, kvHead: Int, rows: Range<Int>,
    output: UnsafePointer<Scalar>, logSumExp: UnsafePointer<Scalar>,
    into destination: UnsafeMutablePointer<Scalar>,
    logSumExp destinationLogSumExp: UnsafeMutablePointer<Scalar>
  ) {
    let d = p.headDim
    for (i, r) in rows.enumerated() {
      let row = p.queryRow(request: b, kvHead: kvHead, packedRow: r)
      destinationLogSumExp[row] = logSumExp[i]
      (destination + row * d).update(from: output + i * d, count: d)
    }
  }

  /// One work item: a block of query tokens of one request against one KV head.
  struct WorkItem: Sendable {
    var request: Int
    var kvHead: Int
    var tokens: Range<Int>
  }

  /// Splits the problem into work items of bounded score memory (the
  /// requests the streaming path takes are left to it).
  static func workItems(_ p: AttentionProblem) -> [WorkItem] {
    workItems(p, requests: { !streams(p, request: $0) })
  }

  /// Blocks of at most ``targetRows`` packed rows and ``scoreBudget`` scores
  /// of the requests `requests` accepts. Rows never depend on their block,
  /// so the blocks only bound memory.
  static func workItems(_ p: AttentionProblem, requests include: (Int) -> Bool) -> [WorkItem] {
    var items: [WorkItem] = []
    let g = p.groupSize
    for b in 0..<p.batchSize {
      let r = p.requests[b]
      guard r.queryLength > 0, include(b) else { continue }
      let byRows = Swift.max(1, targetRows / g)
      let byMemory = Swift.max(1, scoreBudget / Swift.max(1, g * r.kvLength))
      let perBlock = Swift.min(byRows, byMemory)
      for h in 0..<p.kvHeads {
        var t = 0
        while t < r.queryLength {
          let end = Swift.min(t + perBlock, r.queryLength)
          items.append(WorkItem(request: b, kvHead: h, tokens: t..<end))
          t = end
        }
      }
    }
    return items
  }

  /// A worker's scratch: gathered query rows, block outputs and visible ranges.
  struct Worker<Scalar: BLASScalar, Kernel> {
    var kernel: Kernel
    var q: [Scalar]
    var o: [Scalar]
    var lse: [Scalar]
    var visible: [Range<Int>]

    init(kernel: Kernel, maxRows: Int, headDim: Int) {
      self.kernel = kernel
      q = Array(repeating: 0, count: maxRows * headDim)
      o = q
      lse = Array(repeating: 0, count: maxRows)
      visible = Array(repeating: 0..<0, count: maxRows)
    }

  }
}

extension ExactAttention.Worker where Kernel == RowBlockAttention<Scalar> {
  mutating func compute(
    _ item: ExactAttention.WorkItem, problem p: AttentionProblem,
    queries: UnsafePointer<Scalar>, keys: UnsafePointer<Scalar>, values: UnsafePointer<Scalar>,
    output: UnsafeMutablePointer<Scalar>, logSumExp: UnsafeMutablePointer<Scalar>
  ) {
    let d = p.headDim
    let g = p.groupSize
    let rows = item.tokens.count * g
    for (t, i) in item.tokens.enumerated() {
      let vis = p.visibleKeys(request: item.request, query: i)
      for j in 0..<g { visible[t * g + j] = vis }
    }
    let columns = p.visibleKeys(request: item.request, queries: item.tokens)
    q.withUnsafeMutableBufferPointer { qb in
      ExactAttention.packQueries(
        p, request: item.request, kvHead: item.kvHead, tokens: item.tokens, from: queries,
        into: qb.baseAddress!)
    }
    let ld = p.kvHeads * d
    let panel = (p.kvOffsets[item.request] * p.kvHeads + item.kvHead) * d
    q.withUnsafeBufferPointer { qb in
      o.withUnsafeMutableBufferPointer { ob in
        lse.withUnsafeMutableBufferPointer { lb in
          visible.withUnsafeBufferPointer { vb in
            let blockOut = ob.baseAddress!
            kernel.run(
              rows: rows, queries: qb.baseAddress!, keys: keys + panel, values: values + panel,
              ld: ld, columns: columns, visible: vb, output: blockOut,
              logSumExp: lb.baseAddress!)
            ExactAttention.scatterRows(
              p, request: item.request, kvHead: item.kvHead,
              rows: (item.tokens.lowerBound * g)..<(item.tokens.upperBound * g),
              output: blockOut, logSumExp: lb.baseAddress!, into: output,
              logSumExp: logSumExp)
          }
        }
      }
    }
  }
}
