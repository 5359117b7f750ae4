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
    // One item per (request, query, head) row; rows write disjoint outputs.
    var rowList: [(b: Int, i: Int, h: Int)] = []
    for b in 0..<p.batchSize {
      for i in 0..<p.requests[b].queryLength where !p.visibleKeys(request: b, query: i).isEmpty {
        for h in 0..<p.queryHeads { rowList.append((b, i, h)) }
      }
    }
    let rows = rowList
    out.withUnsafeMutableBufferPointer { oBuf in
      lse.withUnsafeMutableBufferPointer { lBuf in
        let o = UncheckedPointer(oBuf.baseAddress)
        let l = UncheckedPointer(lBuf.baseAddress)
        let chunk = 16
        DispatchQueue.concurrentPerform(iterations: (rows.count + chunk - 1) / chunk) { c in
          guard let oPtr = o.pointer, let lPtr = l.pointer else { return }
          var scores: [Float] = []
          var acc = [Float](repeating: 0, count: d)
          for (b, i, h) in rows[(c * chunk)..<min(rows.count, (c + 1) * chunk)] {
            let keys = p.visibleKeys(request: b, query: i)
            let t = p.queryOffsets[b] + i
            let qRow = (t * p.queryHeads + h) * d
            scores.removeAll(keepingCapacity: true)
            for j in keys {
              let kRow = inputs.kvRowIndex(request: b, token: j, kvHead: h / g)
              var dot: Float = 0
              for e in 0..<d { dot += q[qRow + e] * k[kRow + e] }
              var s = dtype.rounding(scale * dot)
              if let cap { s = dtype.rounding(cap * Foundation.tanh(s / cap)) }
              scores.append(s)
            }
            let m = scores.max() ?? 0
            var sum: Float = 0
            for n in scores.indices {
              scores[n] = Foundation.exp(scores[n] - m)
              sum += scores[n]
            }
            for e in 0..<d { acc[e] = 0 }
            for (n, j) in keys.enumerated() {
              let pj = dtype.rounding(scores[n] / sum)
              let vRow = inputs.kvRowIndex(request: b, token: j, kvHead: h / g)
              for e in 0..<d { acc[e] += pj * v[vRow + e] }
            }
            for e in 0..<d { oPtr[qRow + e] = Double(dtype.rounding(acc[e])) }
            lPtr[t * p.queryHeads + h] = Double(m + Foundation.log(sum))
          }
        }
      }
    }
    return (out, lse)
  }
}
