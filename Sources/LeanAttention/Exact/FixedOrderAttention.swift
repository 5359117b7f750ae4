/// Exact attention in one fixed order of operations: the same bits on every
/// machine, CPU, BLAS build, libm and thread count. Golden files use it.
///
/// ``ExactAttention`` is the fast oracle: its BLAS products round differently
/// on every CPU, by about one ulp. This one computes every row with
/// `FixedOrderBlockAttention` (the order is written down there and in
/// `Docs/GoldenFiles.md`) over the row's whole visible key range in one
/// two-pass softmax, as ``ExactAttention`` does; only the summation order of
/// the products differs, so both meet the same error bound.
///
/// Keys and values are read from their storage type directly (a paged cache
/// in place), widened a small chunk at a time, so memory stays at the
/// inputs plus the outputs plus `O(workers · scoreBudget)` scratch.
public enum FixedOrderAttention {
  /// Computes `O` and the natural-log `LSE` of `inputs` in `Scalar` arithmetic.
  ///
  /// Rows with no visible key get `O = 0`, `LSE = −∞`.
  ///
  /// - Complexity: O(visible (query, key) pairs · D · Hq) time.
  @_specialize(where Scalar == Float, Element == Float)
  @_specialize(where Scalar == Double, Element == Float)
  @_specialize(where Scalar == Float, Element == Float16)
  @_specialize(where Scalar == Double, Element == Float16)
  @_specialize(where Scalar == Float, Element == BFloat16)
  @_specialize(where Scalar == Double, Element == BFloat16)
  @_specialize(where Scalar == Double, Element == Double)
  public static func compute<Scalar: BLASScalar, Element: StorageScalar>(
    _ inputs: AttentionInputs<Element>, in _: Scalar.Type = Scalar.self
  ) -> AttentionOutput<Scalar> {
    let p = inputs.problem
    let d = p.headDim
    let g = p.groupSize
    var out = [Scalar](repeating: 0, count: p.totalQueryTokens * p.queryHeads * d)
    var lse = [Scalar](repeating: -.infinity, count: p.totalQueryTokens * p.queryHeads)
    let items = workItems(p)
    let (keyTensor, valueTensor) =
      switch inputs.keyValues {
      case .contiguous(let k, let v): (k, v)
      case .paged(let k, let v, _): (k, v)
      }
    out.withUnsafeMutableBufferPointer { oBuf in
      lse.withUnsafeMutableBufferPointer { lBuf in
        keyTensor.storage.withUnsafeBufferPointer { kBuf in
          valueTensor.storage.withUnsafeBufferPointer { vBuf in
            inputs.queries.storage.withUnsafeBufferPointer { qBuf in
              guard let o = oBuf.baseAddress, let l = lBuf.baseAddress,
                let k = kBuf.baseAddress, let v = vBuf.baseAddress, let q = qBuf.baseAddress
              else { return }  // no query rows or no keys: everything stays empty
              let shared = UncheckedSendable((o, l, k, v, q))
              ParallelLoop.run(
                count: items.count,
                makeState: {
                  ExactAttention.Worker<Scalar, FixedOrderBlockAttention<Scalar>>(
                    kernel: FixedOrderBlockAttention(
                      headDim: d, scale: p.scale, softCap: p.softCap),
                    maxRows: items.map { $0.tokens.count * g }.max() ?? 0, headDim: d)
                },
                body: { w, index in
                  let (o, l, k, v, q) = shared.value
                  let item = items[index]
                  let kv = KeyValueRows(
                    p, request: item.request, kvHead: item.kvHead, layout: inputs.keyValues,
                    keys: k, values: v)
                  w.compute(item, problem: p, queries: q, kv: kv, output: o, logSumExp: l)
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

  /// Every request's blocks: this path has no streaming variant.
  static func workItems(_ p: AttentionProblem) -> [ExactAttention.WorkItem] {
    ExactAttention.workItems(p, requests: { _ in true })
  }
}

extension ExactAttention.Worker where Kernel == FixedOrderBlockAttention<Scalar> {
  mutating func compute<Element: StorageScalar>(
    _ item: ExactAttention.WorkItem, problem p: AttentionProblem,
    queries: UnsafePointer<Element>, kv: KeyValueRows<Element>,
    output: UnsafeMutablePointer<Scalar>, logSumExp: UnsafeMutablePointer<Scalar>
  ) {
    let d = p.headDim
    let g = p.groupSize
    let rows = item.tokens.count * g
    let length = p.requests[item.request].kvLength
    let first = p.queryOffsets[item.request]
    for (t, i) in item.tokens.enumerated() {
      let vis = p.visibleKeys(request: item.request, query: i)
      for j in 0..<g { visible[t * g + j] = vis }
    }
    q.withUnsafeMutableBufferPointer { qb in
      o.withUnsafeMutableBufferPointer { ob in
        lse.withUnsafeMutableBufferPointer { lb in
          visible.withUnsafeBufferPointer { vb in
            // Packed rows: row t·G + j is token t, query head kvHead·G + j.
            for (t, i) in item.tokens.enumerated() {
              let src = ((first + i) * p.queryHeads + item.kvHead * g) * d
              for e in 0..<(g * d) { qb[t * g * d + e] = Scalar(queries[src + e].doubleValue) }
            }
            kernel.run(
              rows: rows, queries: qb.baseAddress!, kv: kv, columns: 0..<length,
              visible: UnsafeBufferPointer(rebasing: vb[0..<rows]), output: ob.baseAddress!,
              logSumExp: lb.baseAddress!)
            for (t, i) in item.tokens.enumerated() {
              let dst = (first + i) * p.queryHeads + item.kvHead * g
              for j in 0..<g {
                logSumExp[dst + j] = lb[t * g + j]
                (output + (dst + j) * d).update(from: ob.baseAddress! + (t * g + j) * d, count: d)
              }
            }
          }
        }
      }
    }
  }
}
