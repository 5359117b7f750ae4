import Foundation
import LeanAttention
import SafeTensors

/// Attention computed the way code in a given precision computes it, to
/// measure how much error that precision costs on a given input.
///
/// One emulation is one sample of that error, and on inputs where the
/// precision cannot resolve the softmax (scores near 1e4 in F16 or BF16, where
/// rounding Q and K to `T` moves a score by several units) two correct orders
/// of operations differ by more than twice either one's error. So the
/// comparison rule takes the largest error of three orders (``Order``): the order
/// of FlashAttention's reference, which FlashAttention-3's tests use, and the
/// orders of a tensor-core and a SIMD kernel, which is how the kernels this
/// library checks compute. In Float64 the order is the whole difference from
/// the golden computation (which shares these `exp`, `log` and `tanh`): the
/// dot products' summation order, the rounded `exp2` argument and the `tanh`
/// formula are what other correct Float64 code does differently.
///
/// The inputs are the golden file's, which are exact in Float32 (every case
/// dtype is F16, BF16 or F32), rounded to `T`. Rows that see no key give
/// `O = 0`, `LSE = −∞`. `exp`, `log` and `tanh` are the library's portable
/// ones, so a verdict does not depend on the machine's libm.
public enum PrecisionEmulation {
  /// The order of operations of one emulation, in a precision `T` (F16, BF16
  /// or F32, with products and sums in Float32; F64 runs every step in Float64
  /// and rounds nothing).
  public enum Order: CaseIterable, Hashable, Sendable {
    /// FlashAttention's reference, `attention_ref(upcast=False, reorder_ops=True)`:
    ///
    /// 1. `k'_j = round_T(scale · k_j)`; `s_j = round_T(Σ_d q_d k'_jd)`; with a
    ///    soft-cap `c`, `s_j = round_T(round_T(tanh(round_T(s_j / c))) · c)`;
    /// 2. `m = max_j s_j`, `p_j = exp(s_j − m)`, `l = Σ_j p_j`;
    /// 3. `P_j = round_T(p_j / l)`;
    /// 4. `O = round_T(Σ_j P_j v_j)` in key order; `LSE = m + log l`.
    case reference
    /// A tensor-core kernel's order (FlashAttention-2/3, this library's CUDA
    /// kernels): scores stay in the accumulation precision, the dot product is
    /// summed as a tree, `exp` is a power of two and `tanh` goes through it,
    /// and the probabilities are rounded to `T` before they are normalized:
    ///
    /// 1. `s_j = scale · Σ_d q_d k_jd`, the sum as a tree (the upper half of
    ///    the products added onto the lower half until one is left), not
    ///    rounded; with a soft-cap `c`, `s_j = c · (1 − 2 / (exp(2 s_j / c) + 1))`;
    /// 2. `m = max_j s_j`, `p_j = 2^(log₂e · (s_j − m))` with the product
    ///    rounded (kernels call `exp2`), `l = Σ_j p_j`;
    /// 3. `O = round_T((Σ_j round_T(p_j) v_j) / l)` in key order; `LSE = m + log l`.
    case tensorCore
    /// A SIMD kernel's order (CPU code, vectorized CUDA cores): as
    /// ``tensorCore``, but the dot product in eight interleaved partial sums
    /// added pairwise at the end, and `exp` and `tanh` taken directly.
    case simd
  }

  /// `O [totalQ, Hq, D]` and `LSE [totalQ, Hq]`, widened to `Double`.
  ///
  /// - Parameters:
  ///   - inputs: the golden inputs; their problem's sizes must already be
  ///     checked (``GoldenData`` does), so that no size arithmetic here overflows.
  ///   - precision: F16, BF16, F32 or F64.
  ///   - order: the order of operations.
  /// - Throws: ``ComparisonError/unsupportedPrecision(_:)``.
  /// - Complexity: O(visible (query, key) pairs · D · Hq), spread over the cores.
  public static func compute(
    _ inputs: AttentionInputs<Float>, precision: DType, order: Order = .reference
  ) throws(ComparisonError) -> (output: [Double], logSumExp: [Double]) {
    try compute(inputs, rows: inputs.problem.visibleQueryRows(), precision: precision, order: order)
  }

  /// ``compute(_:precision:order:)`` over `rows`, the problem's visible query rows.
  static func compute(
    _ inputs: AttentionInputs<Float>, rows: [VisibleQueryRow], precision: DType, order: Order
  ) throws(ComparisonError) -> (output: [Double], logSumExp: [Double]) {
    switch precision {
    case .f16, .bf16, .f32:
      return run(inputs, rows: rows, precision: precision, order: order, in: Float.self)
    case .f64: return run(inputs, rows: rows, precision: precision, order: order, in: Double.self)
    default: throw .unsupportedPrecision(precision)
    }
  }

  static func run<A: EmulationScalar>(
    _ inputs: AttentionInputs<Float>, rows: [VisibleQueryRow], precision t: DType, order: Order,
    in _: A.Type
  ) -> (output: [Double], logSumExp: [Double]) {
    let p = inputs.problem
    let d = p.headDim
    let g = p.groupSize
    let scale = A(p.scale)
    let cap = p.softCap.map { A($0) }
    let reference = order == .reference
    let q = inputs.queries.storage.map { A.rounded(A($0), to: t) }
    let (kStore, vStore) = inputs.keyValueStorage
    // The reference's reorder_ops puts the scale on K, rounded to T; a kernel
    // scales the Float32 score instead.
    let k = kStore.map {
      reference ? A.rounded(scale * A.rounded(A($0), to: t), to: t) : A.rounded(A($0), to: t)
    }
    let v = vStore.map { A.rounded(A($0), to: t) }
    var out = [Double](repeating: 0, count: p.totalQueryTokens * p.queryHeads * d)
    var lse = [Double](repeating: -.infinity, count: p.totalQueryTokens * p.queryHeads)
    // One item per query row that sees a key; its heads run together.
    out.withUnsafeMutableBufferPointer { oBuf in
      lse.withUnsafeMutableBufferPointer { lBuf in
        guard let oPtr = oBuf.baseAddress, let lPtr = lBuf.baseAddress else { return }
        // Rows write disjoint parts of the outputs.
        let shared = UncheckedSendable((oPtr, lPtr))
        ParallelLoop.run(
          count: rows.count,
          makeState: {
            (scores: [A](), acc: [A](repeating: 0, count: d), products: [A](repeating: 0, count: d))
          }
        ) { state, index in
          let (oPtr, lPtr) = shared.value
          let row = rows[index]
          let (b, keys, token) = (row.request, row.keys, row.token)
          for h in 0..<p.queryHeads {
            let qRow = (token * p.queryHeads + h) * d
            state.scores.removeAll(keepingCapacity: true)
            for j in keys {
              let kRow = inputs.kvRowIndex(request: b, token: j, kvHead: h / g)
              let dot: A
              switch order {
              case .reference: dot = sequentialDot(q, qRow, k, kRow, count: d)
              case .tensorCore: dot = treeDot(q, qRow, k, kRow, count: d, scratch: &state.products)
              case .simd: dot = laneDot(q, qRow, k, kRow, count: d)
              }
              var s: A
              if reference {
                s = A.rounded(dot, to: t)
                if let cap {
                  let x = A.rounded(s / cap, to: t)
                  s = A.rounded(A.rounded(A.portableTanh(x), to: t) * cap, to: t)
                }
              } else {
                s = scale * dot
                if let cap {
                  s = cap * (order == .simd ? A.portableTanh(s / cap) : tanhThroughExp(s / cap))
                }
              }
              state.scores.append(s)
            }
            let m = state.scores.max() ?? 0
            var sum: A = 0
            for n in state.scores.indices {
              let x = state.scores[n] - m
              state.scores[n] =
                order == .tensorCore ? A.portableExp(A.ln2 * (A.log2e * x)) : A.portableExp(x)
              sum += state.scores[n]
            }
            for e in 0..<d { state.acc[e] = 0 }
            for (n, j) in keys.enumerated() {
              let pj = A.rounded(reference ? state.scores[n] / sum : state.scores[n], to: t)
              let vRow = inputs.kvRowIndex(request: b, token: j, kvHead: h / g)
              for e in 0..<d { state.acc[e] += pj * v[vRow + e] }
            }
            for e in 0..<d {
              let o = reference ? state.acc[e] : state.acc[e] / sum
              oPtr[qRow + e] = Double(A.rounded(o, to: t))
            }
            lPtr[token * p.queryHeads + h] = Double(m + A.portableLog(sum))
          }
        }
      }
    }
    return (out, lse)
  }

  /// `Σ_{e<count} a[i+e]·b[j+e]`, added in index order.
  @inline(__always)
  static func sequentialDot<A: EmulationScalar>(
    _ a: [A], _ i: Int, _ b: [A], _ j: Int, count: Int
  ) -> A {
    var dot: A = 0
    for e in 0..<count { dot += a[i + e] * b[j + e] }
    return dot
  }

  /// `Σ_{e<count} a[i+e]·b[j+e]`, added as a tree: the products are written
  /// to `scratch`, then its upper half is added onto its lower half until one
  /// value is left (an odd middle element waits for the next round).
  @inline(__always)
  static func treeDot<A: EmulationScalar>(
    _ a: [A], _ i: Int, _ b: [A], _ j: Int, count: Int, scratch: inout [A]
  ) -> A {
    guard count > 0 else { return 0 }
    for e in 0..<count { scratch[e] = a[i + e] * b[j + e] }
    var n = count
    while n > 1 {
      let half = (n + 1) / 2
      for e in 0..<(n / 2) { scratch[e] += scratch[e + half] }
      n = half
    }
    return scratch[0]
  }

  /// `Σ_{e<count} a[i+e]·b[j+e]` in eight interleaved partial sums, added
  /// pairwise at the end.
  @inline(__always)
  static func laneDot<A: EmulationScalar>(
    _ a: [A], _ i: Int, _ b: [A], _ j: Int, count: Int
  ) -> A {
    var lanes = (A(0), A(0), A(0), A(0), A(0), A(0), A(0), A(0))
    var e = 0
    while e + 8 <= count {
      lanes.0 += a[i + e] * b[j + e]
      lanes.1 += a[i + e + 1] * b[j + e + 1]
      lanes.2 += a[i + e + 2] * b[j + e + 2]
      lanes.3 += a[i + e + 3] * b[j + e + 3]
      lanes.4 += a[i + e + 4] * b[j + e + 4]
      lanes.5 += a[i + e + 5] * b[j + e + 5]
      lanes.6 += a[i + e + 6] * b[j + e + 6]
      lanes.7 += a[i + e + 7] * b[j + e + 7]
      e += 8
    }
    while e < count {
      lanes.0 += a[i + e] * b[j + e]
      e += 1
    }
    return ((lanes.0 + lanes.4) + (lanes.2 + lanes.6)) + ((lanes.1 + lanes.5) + (lanes.3 + lanes.7))
  }

  /// `tanh(x) = 1 − 2 / (exp(2x) + 1)`, as kernels without a `tanh` compute it:
  /// its absolute error is a few units of 1, unlike a library `tanh`'s relative one.
  @inline(__always)
  static func tanhThroughExp<A: EmulationScalar>(_ x: A) -> A {
    // exp(2x) overflows to ∞ for large x, which gives 1 − 0 = 1, as it should.
    1 - 2 / (A.portableExp(2 * x) + 1)
  }
}

/// The arithmetic an emulated kernel accumulates in: Float32, or Float64 for F64.
protocol EmulationScalar: PortableElementaryFunctions {
  init(_ value: Float)
  init(_ value: Double)
  /// `x` rounded to the precision `t` (never wider than `Self`).
  static func rounded(_ x: Self, to t: DType) -> Self
}

extension EmulationScalar {
  /// log₂ e, rounded to `Self`.
  static var log2e: Self { Self(1.4426950408889634074) }
  /// ln 2, rounded to `Self`.
  static var ln2: Self { Self(0.6931471805599453094) }
}

extension Float: EmulationScalar {
  @inline(__always) static func rounded(_ x: Float, to t: DType) -> Float { t.rounding(x) }
}

extension Double: EmulationScalar {
  @inline(__always) static func rounded(_ x: Double, to _: DType) -> Double { x }
}
