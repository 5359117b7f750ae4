import Foundation
import LeanAttention
import SafeTensors
import TestSupport

/// An independent recompute the way a FlashAttention-2 kernel orders it,
/// written here from the definitions and sharing no arithmetic with the library:
/// scores `Q·K` from the `T`-rounded inputs, scaled in the accumulation
/// precision afterwards (as FlashAttention-2/3 kernels do, unlike the
/// emulation, which rounds `K·scale` to `T`), an online softmax over blocks of 64 keys,
/// the unnormalized probabilities rounded to the precision `T` before `P·V`,
/// products and sums in Float32 (Float64 for F64), and `O = round_T(acc / l)`
/// at the end; `LSE = m + log l` in Float32 (Float64 for F64).
enum KernelLikeAttention {
  static func compute(_ x: AttentionInputs<Double>, precision t: DType) -> (
    o: [Double], lse: [Double]
  ) {
    t == .f64 ? run(x, t, Double.self) : run(x, t, Float.self)
  }

  static func run<A: RecomputeScalar>(_ x: AttentionInputs<Double>, _ t: DType, _: A.Type) -> (
    o: [Double], lse: [Double]
  ) {
    let p = x.problem
    let d = p.headDim
    let block = 64
    let q = x.queries.storage.map { A.round(A($0), t) }
    let (kStore, vStore) = x.keyValueStorage
    let k = kStore.map { A.round(A($0), t) }
    let v = vStore.map { A.round(A($0), t) }
    let scale = A(p.scale)
    var o = [Double](repeating: 0, count: p.totalQueryTokens * p.queryHeads * d)
    var lse = [Double](repeating: -.infinity, count: p.totalQueryTokens * p.queryHeads)
    var acc = [A](repeating: 0, count: d)
    var s = [A](repeating: 0, count: block)
    for b in 0..<p.batchSize {
      let lq = p.requests[b].queryLength
      let lk = p.requests[b].kvLength
      for i in 0..<lq {
        let visible = (0..<lk).filter {
          NaiveAttention.isVisible(i, $0, lq: lq, lk: lk, mask: p.mask)
        }
        if visible.isEmpty { continue }
        for h in 0..<p.queryHeads {
          let g = h / p.groupSize
          let row = (p.queryOffsets[b] + i) * p.queryHeads + h
          let qs = (0..<d).map { q[row * d + $0] }
          var m = -A.infinity
          var l: A = 0
          for e in 0..<d { acc[e] = 0 }
          for start in stride(from: 0, to: visible.count, by: block) {
            let keys = visible[start..<min(start + block, visible.count)]
            var blockMax = -A.infinity
            for (n, j) in keys.enumerated() {
              let kr = x.kvRowIndex(request: b, token: j, kvHead: g)
              var dot: A = 0
              for e in 0..<d { dot += qs[e] * k[kr + e] }
              dot *= scale
              if let cap = p.softCap { dot = A(cap) * A.tanh(dot / A(cap)) }
              s[n] = dot
              blockMax = max(blockMax, dot)
            }
            let mNew = max(m, blockMax)
            let correction = m == -A.infinity ? 0 : A.exp(m - mNew)
            l *= correction
            for e in 0..<d { acc[e] *= correction }
            for (n, j) in keys.enumerated() {
              let pj = A.exp(s[n] - mNew)
              l += pj
              let pr = A.round(pj, t)
              let vr = x.kvRowIndex(request: b, token: j, kvHead: g)
              for e in 0..<d { acc[e] += pr * v[vr + e] }
            }
            m = mNew
          }
          for e in 0..<d { o[row * d + e] = Double(A.round(acc[e] / l, t)) }
          lse[row] = Double(m + A.log(l))
        }
      }
    }
    return (o, lse)
  }
}

protocol RecomputeScalar: BinaryFloatingPoint {
  init(_ x: Double)
  static func round(_ x: Self, _ t: DType) -> Self
  static func exp(_ x: Self) -> Self
  static func log(_ x: Self) -> Self
  static func tanh(_ x: Self) -> Self
}

extension Float: RecomputeScalar {
  static func round(_ x: Float, _ t: DType) -> Float {
    switch t {
    case .f16: return Float(Float16(x))
    case .bf16: return BFloat16(x).float
    default: return x
    }
  }
  static func exp(_ x: Float) -> Float { Foundation.exp(x) }
  static func log(_ x: Float) -> Float { Foundation.log(x) }
  static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }
}

extension Double: RecomputeScalar {
  static func round(_ x: Double, _: DType) -> Double { x }
  static func exp(_ x: Double) -> Double { Foundation.exp(x) }
  static func log(_ x: Double) -> Double { Foundation.log(x) }
  static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
}

/// `x` rounded once to `t` (test-side, from the standard library's types).
func roundedOnce(_ x: Double, to t: DType) -> Double {
  switch t {
  case .f16: return Double(Float16(x))
  case .bf16: return BFloat16(x).doubleValue
  case .f32: return Double(Float(x))
  default: return x
  }
}
