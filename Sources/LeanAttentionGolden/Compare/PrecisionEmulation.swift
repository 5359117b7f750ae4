import Foundation
import LeanAttention
import SafeTensors

/// Attention computed the way a kernel in a given precision computes it, to
/// measure how much error that precision costs on a given input.
///
/// For a precision `T` (F16, BF16 or F32), each row is computed as
/// FlashAttention's reference `attention_ref(upcast=False, reorder_ops=True)` does:
///
/// 1. `k'_j = round_T(scale · k_j)`; `s_j = round_T(Σ_d q_d k'_jd)`, the dot
///    product accumulated in Float32; with a soft-cap `c`,
///    `s_j = round_T(round_T(tanh(round_T(s_j / c))) · c)`;
/// 2. `m = max_j s_j`, `p_j = exp(s_j − m)`, `l = Σ_j p_j` in Float32;
/// 3. `P_j = round_T(p_j / l)`;
/// 4. `O = round_T(Σ_j P_j v_j)`, accumulated in Float32 in key order;
///    `LSE = m + log l` in Float32 (kernels keep the LSE in Float32).
///
/// For F64 the same steps run in Float64 with no rounding, so the result
/// differs from the golden output only by the order of operations.
///
/// The inputs are the golden file's, which are exact in Float32 (every case
/// dtype is F16, BF16 or F32), rounded to `T`. Rows that see no key give
/// `O = 0`, `LSE = −∞`.
public enum PrecisionEmulation {
  /// `O [totalQ, Hq, D]` and `LSE [totalQ, Hq]`, widened to `Double`.
  ///
  /// - Parameters:
  ///   - inputs: the golden inputs; their problem's sizes must already be
  ///     checked (``GoldenData`` does), so that no size arithmetic here overflows.
  ///   - precision: F16, BF16, F32 or F64.
  /// - Throws: ``ComparisonError/unsupportedPrecision(_:)``.
  /// - Complexity: O(visible (query, key) pairs · D · Hq), spread over the cores.
  public static func compute(_ inputs: AttentionInputs<Float>, precision: DType)
    throws(ComparisonError) -> (output: [Double], logSumExp: [Double])
  {
    switch precision {
    case .f16, .bf16, .f32: return run(inputs, precision: precision, in: Float.self)
    case .f64: return run(inputs, precision: precision, in: Double.self)
    default: throw .unsupportedPrecision(precision)
    }
  }

  static func run<A: EmulationScalar>(
    _ inputs: AttentionInputs<Float>, precision t: DType, in _: A.Type
  ) -> (output: [Double], logSumExp: [Double]) {
    let p = inputs.problem
    let d = p.headDim
    let g = p.groupSize
    let scale = A(p.scale)
    let cap = p.softCap.map { A($0) }
    let q = inputs.queries.storage.map { A.rounded(A($0), to: t) }
    let (kStore, vStore) = inputs.keyValueStorage
    // FlashAttention's reorder_ops: the scale goes on K, rounded to T.
    let k = kStore.map { A.rounded(scale * A.rounded(A($0), to: t), to: t) }
    let v = vStore.map { A.rounded(A($0), to: t) }
    var out = [Double](repeating: 0, count: p.totalQueryTokens * p.queryHeads * d)
    var lse = [Double](repeating: -.infinity, count: p.totalQueryTokens * p.queryHeads)
    // One item per (request, query) row that sees a key; its heads run together.
    var rowList: [(b: Int, i: Int)] = []
    for b in 0..<p.batchSize {
      for i in 0..<p.requests[b].queryLength where !p.visibleKeys(request: b, query: i).isEmpty {
        rowList.append((b, i))
      }
    }
    let rows = rowList
    out.withUnsafeMutableBufferPointer { oBuf in
      lse.withUnsafeMutableBufferPointer { lBuf in
        guard let oPtr = oBuf.baseAddress, let lPtr = lBuf.baseAddress else { return }
        // Rows write disjoint parts of the outputs.
        let shared = UncheckedSendable((oPtr, lPtr))
        ParallelLoop.run(
          count: rows.count,
          makeState: { (scores: [A](), acc: [A](repeating: 0, count: d)) }
        ) { state, index in
          let (oPtr, lPtr) = shared.value
          let (b, i) = rows[index]
          let keys = p.visibleKeys(request: b, query: i)
          let token = p.queryOffsets[b] + i
          for h in 0..<p.queryHeads {
            let qRow = (token * p.queryHeads + h) * d
            state.scores.removeAll(keepingCapacity: true)
            for j in keys {
              let kRow = inputs.kvRowIndex(request: b, token: j, kvHead: h / g)
              var dot: A = 0
              for e in 0..<d { dot += q[qRow + e] * k[kRow + e] }
              var s = A.rounded(dot, to: t)
              if let cap {
                let x = A.rounded(s / cap, to: t)
                s = A.rounded(A.rounded(A.tanh(x), to: t) * cap, to: t)
              }
              state.scores.append(s)
            }
            let m = state.scores.max() ?? 0
            var sum: A = 0
            for n in state.scores.indices {
              state.scores[n] = A.exp(state.scores[n] - m)
              sum += state.scores[n]
            }
            for e in 0..<d { state.acc[e] = 0 }
            for (n, j) in keys.enumerated() {
              let pj = A.rounded(state.scores[n] / sum, to: t)
              let vRow = inputs.kvRowIndex(request: b, token: j, kvHead: h / g)
              for e in 0..<d { state.acc[e] += pj * v[vRow + e] }
            }
            for e in 0..<d { oPtr[qRow + e] = Double(A.rounded(state.acc[e], to: t)) }
            lPtr[token * p.queryHeads + h] = Double(m + A.log(sum))
          }
        }
      }
    }
    return (out, lse)
  }
}

/// The arithmetic an emulated kernel accumulates in: Float32, or Float64 for F64.
protocol EmulationScalar: BinaryFloatingPoint, Sendable {
  init(_ value: Float)
  init(_ value: Double)
  /// `x` rounded to the precision `t` (never wider than `Self`).
  static func rounded(_ x: Self, to t: DType) -> Self
  static func exp(_ x: Self) -> Self
  static func log(_ x: Self) -> Self
  static func tanh(_ x: Self) -> Self
}

extension Float: EmulationScalar {
  @inline(__always) static func rounded(_ x: Float, to t: DType) -> Float { t.rounding(x) }
  @inline(__always) static func exp(_ x: Float) -> Float { Foundation.exp(x) }
  @inline(__always) static func log(_ x: Float) -> Float { Foundation.log(x) }
  @inline(__always) static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }
}

extension Double: EmulationScalar {
  @inline(__always) static func rounded(_ x: Double, to _: DType) -> Double { x }
  @inline(__always) static func exp(_ x: Double) -> Double { Foundation.exp(x) }
  @inline(__always) static func log(_ x: Double) -> Double { Foundation.log(x) }
  @inline(__always) static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
}
