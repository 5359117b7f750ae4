import Foundation
import LeanAttention
import SafeTensors

/// Attention computed the way a low-precision kernel computes it, to measure
/// how much error that precision costs on a given input.
///
/// For a target dtype `T` (F16, BF16 or F32), each row is computed as
/// FlashAttention's reference does with `upcast=False`:
///
/// 1. `s_j = round_T(scale · Σ_d q_d k_jd)`, the dot product accumulated in Float32;
///    with a soft-cap, `s_j = round_T(cap · tanh(s_j / cap))`;
/// 2. `m = max_j s_j`, `p_j = exp(s_j − m)`, `l = Σ_j p_j` in Float32;
/// 3. `P_j = round_T(p_j / l)`;
/// 4. `O = round_T(Σ_j P_j v_j)`, accumulated in Float32; `LSE = m + log l` in Float32.
///
/// The inputs are the golden file's (already in the case dtype) rounded to `T`.
/// Fully masked rows give `O = 0`, `LSE = −∞`.
public enum PrecisionEmulation {
  /// `O [totalQ, Hq, D]` and `LSE [totalQ, Hq]`, widened to `Double`.
  ///
  /// - Complexity: O(visible (query, key) pairs · D · Hq).
  public static func compute(_ inputs: AttentionInputs<Float>, dtype: DType) -> (
    output: [Double], logSumExp: [Double]
  ) {
    let p = inputs.problem
    let d = p.headDim
    let g = p.groupSize
    let q = inputs.queries.storage.map { dtype.rounding($0) }
    let (kStore, vStore) = inputs.keyValueStorage
    let k = kStore.map { dtype.rounding($0) }
    let v = vStore.map { dtype.rounding($0) }
    var out = [Double](repeating: 0, count: p.totalQueryTokens * p.queryHeads * d)
    var lse = [Double](repeating: -.infinity, count: p.totalQueryTokens * p.queryHeads)
    let scale = Float(p.scale)
    let cap = p.softCap.map { Float($0) }
    // One item per visible (request, query, head) row.
    var rowList: [(b: Int, i: Int, h: Int)] = []
    for b in 0..<p.batchSize {
      for i in 0..<p.requests[b].queryLength where !p.visibleKeys(request: b, query: i).isEmpty {
        for h in 0..<p.queryHeads { rowList.append((b, i, h)) }
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
          makeState: { (scores: [Float](), acc: [Float](repeating: 0, count: d)) }
        ) { state, index in
          let (oPtr, lPtr) = shared.value
          let (b, i, h) = rows[index]
          let keys = p.visibleKeys(request: b, query: i)
          let t = p.queryOffsets[b] + i
          let qRow = (t * p.queryHeads + h) * d
          state.scores.removeAll(keepingCapacity: true)
          for j in keys {
            let kRow = inputs.kvRowIndex(request: b, token: j, kvHead: h / g)
            var dot: Float = 0
            for e in 0..<d { dot += q[qRow + e] * k[kRow + e] }
            var s = dtype.rounding(scale * dot)
            if let cap { s = dtype.rounding(cap * Foundation.tanh(s / cap)) }
            state.scores.append(s)
          }
          let m = state.scores.max() ?? 0
          var sum: Float = 0
          for n in state.scores.indices {
            state.scores[n] = Foundation.exp(state.scores[n] - m)
            sum += state.scores[n]
          }
          for e in 0..<d { state.acc[e] = 0 }
          for (n, j) in keys.enumerated() {
            let pj = dtype.rounding(state.scores[n] / sum)
            let vRow = inputs.kvRowIndex(request: b, token: j, kvHead: h / g)
            for e in 0..<d { state.acc[e] += pj * v[vRow + e] }
          }
          for e in 0..<d { oPtr[qRow + e] = Double(dtype.rounding(state.acc[e])) }
          lPtr[t * p.queryHeads + h] = Double(m + Foundation.log(sum))
        }
      }
    }
    return (out, lse)
  }
}
