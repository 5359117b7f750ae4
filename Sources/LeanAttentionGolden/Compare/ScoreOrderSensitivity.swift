import LeanAttention
import Synchronization

/// How far another summation order of the scores' dot products can move each
/// output: the score rounding's first-order effect on `O`.
///
/// The emulations sample the error a precision costs, once per order. Where
/// the softmax rests on two close scores of large magnitude (scores near 1e4,
/// as in `extreme-scores`), that error is the difference of the two scores'
/// rounding errors, a random quantity of which each emulation draws one
/// value: three orders drew differences of 0.9e-3, 1.0e-3 and 1.0e-3 on one
/// such row, and a fourth (four interleaved partial sums) 3.0e-3, so its
/// output error was 2.9 times the emulations' largest. This estimate is
/// the size of that difference for any order, so the rule takes it as `e_T`
/// where it is larger than the emulations' error.
///
/// Measured on the committed corpus, `σ` is 0.3 to 2.6 times the emulations'
/// error in F32 and 0.25 to 3.8 times in F64 (so it loosens the bound there by
/// at most that), and under 2·10⁻⁴ of the BF16 emulations' error, where it
/// changes nothing; on the extreme-scores row above it is 10 times the
/// emulations' error, 3.5 times what the four-sum order made.
///
/// Each addition of a dot product `Σ_d q_d k_jd` summed in precision `A`
/// rounds its running sum `S_k` by a relative error of at most `u_A`, so under
/// the usual model of independent rounding errors the score is off by about
/// `u_A · scale · √(Σ_k S_k²)`: where the terms have random signs (ordinary
/// inputs) the running sums stay small and so does this; where they build up
/// to a large score (scores near 1e4) it grows with the score. The running
/// sums are those of index order; another order's have the same size. The
/// output moves by `∂O_e/∂s_j = p_j (v_je − O_e)` per unit of score, and the
/// errors of different keys' dot products are independent, so they add in
/// quadrature:
///
///     σ_e = u_A · scale · √(Σ_j p_j² (v_je − O_e)² Σ_k S_jk²)
///
/// With a soft-cap `c` the scores are `c · tanh(s/c)`, and the tanh's slope
/// `1 − tanh²(s/c)` multiplies each key's term. On a softmax spread over `n` keys `σ` falls
/// as `1/√n`; it matters only where a few keys carry the output.
enum ScoreOrderSensitivity {
  /// `max_e σ_e` over every element of a row that sees a key.
  ///
  /// - Parameters:
  ///   - inputs: the golden inputs, sizes already checked.
  ///   - rows: the problem's visible query rows.
  ///   - output: the golden `O`, `[totalQ, Hq, D]`.
  ///   - accumulationRoundoff: `u_A`, the unit roundoff of the precision the
  ///     dot products are summed in (2⁻²⁴ for F16, BF16 and F32; 2⁻⁵³ for F64).
  /// - Complexity: O(visible (query, key) pairs · D · Hq), spread over the cores.
  static func maximum(
    _ inputs: AttentionInputs<Float>, rows: [VisibleQueryRow], output: [Double],
    accumulationRoundoff u: Double
  ) -> Double {
    let p = inputs.problem
    let d = p.headDim
    let g = p.groupSize
    let q = inputs.queries.storage
    let (k, v) = inputs.keyValueStorage
    let factor = u * p.scale
    let worst = Mutex(0.0)
    ParallelLoop.run(
      count: rows.count,
      makeState: {
        (
          scores: [Double](), magnitudes: [Double](),
          sums: [Double](repeating: 0, count: d)
        )
      }
    ) { state, index in
      let row = rows[index]
      let (b, keys, token) = (row.request, row.keys, row.token)
      var rowWorst = 0.0
      for h in 0..<p.queryHeads {
        let qRow = (token * p.queryHeads + h) * d
        state.scores.removeAll(keepingCapacity: true)
        state.magnitudes.removeAll(keepingCapacity: true)
        for j in keys {
          let kRow = inputs.kvRowIndex(request: b, token: j, kvHead: h / g)
          // The running sums S_k of the dot product, and √(Σ_k S_k²).
          var dot = 0.0
          var squares = 0.0
          for e in 0..<d {
            dot += Double(q[qRow + e]) * Double(k[kRow + e])
            squares += dot * dot
          }
          var score = p.scale * dot
          var slope = 1.0
          if let cap = p.softCap {
            let t = Double.portableTanh(score / cap)
            score = cap * t
            slope = 1 - t * t
          }
          state.scores.append(score)
          state.magnitudes.append(slope * squares.squareRoot())
        }
        let m = state.scores.max() ?? 0
        var l = 0.0
        for n in state.scores.indices {
          state.scores[n] = Double.portableExp(state.scores[n] - m)
          l += state.scores[n]
        }
        for e in 0..<d { state.sums[e] = 0 }
        for (n, j) in keys.enumerated() {
          let vRow = inputs.kvRowIndex(request: b, token: j, kvHead: h / g)
          let w = state.scores[n] / l * state.magnitudes[n]
          for e in 0..<d {
            let x = w * (Double(v[vRow + e]) - output[qRow + e])
            state.sums[e] += x * x
          }
        }
        for e in 0..<d { rowWorst = max(rowWorst, state.sums[e].squareRoot()) }
      }
      let r = rowWorst * factor
      worst.withLock { $0 = max($0, r) }
    }
    return worst.withLock { $0 }
  }
}
