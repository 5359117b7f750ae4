import Foundation
import LeanAttention

/// An independent Float64 oracle: a plain triple loop, written from the
/// definitions (FlashAttention's mask semantics), sharing no code with the library.
public enum NaiveAttention {
  public static func isVisible(_ i: Int, _ j: Int, lq: Int, lk: Int, mask: AttentionMask) -> Bool {
    switch mask {
    case .none: return true
    case .causal(.bottomRight): return j <= i + lk - lq
    case .causal(.topLeft): return j <= i
    case .slidingWindow(let l, let r):
      let d = i + lk - lq
      if let l, j < d - l { return false }
      if let r, j > d + r { return false }
      return true
    }
  }

  /// O and natural-log LSE as flat arrays `[totalQ·Hq·D]`, `[totalQ·Hq]`.
  public static func compute<E: StorageScalar>(_ x: AttentionInputs<E>) -> (
    o: [Double], lse: [Double]
  ) {
    let p = x.problem
    let d = p.headDim
    let q = x.queries.storage.map(\.doubleValue)
    let (kStore, vStore) = x.keyValueStorage
    let k = kStore.map(\.doubleValue)
    let v = vStore.map(\.doubleValue)
    func kvIndex(_ b: Int, _ j: Int, _ g: Int) -> Int {
      switch x.keyValues {
      case .contiguous:
        return ((p.kvOffsets[b] + j) * p.kvHeads + g) * d
      case .paged(let kc, _, let table):
        let ps = kc.shape[1]
        let page = Int(table[b][j / ps])
        return ((page * ps + j % ps) * p.kvHeads + g) * d
      }
    }
    var o = [Double](repeating: 0, count: p.totalQueryTokens * p.queryHeads * d)
    var lse = [Double](repeating: -.infinity, count: p.totalQueryTokens * p.queryHeads)
    for b in 0..<p.batchSize {
      let lq = p.requests[b].queryLength
      let lk = p.requests[b].kvLength
      for i in 0..<lq {
        for h in 0..<p.queryHeads {
          let g = h / (p.queryHeads / p.kvHeads)
          let qi = ((p.queryOffsets[b] + i) * p.queryHeads + h) * d
          var scores: [(Int, Double)] = []
          for j in 0..<lk where isVisible(i, j, lq: lq, lk: lk, mask: p.mask) {
            let kj = kvIndex(b, j, g)
            var s = 0.0
            for e in 0..<d { s += q[qi + e] * k[kj + e] }
            s *= p.scale
            if let cap = p.softCap { s = cap * tanh(s / cap) }
            scores.append((j, s))
          }
          guard let m = scores.map(\.1).max() else { continue }
          var l = 0.0
          var acc = [Double](repeating: 0, count: d)
          for (j, s) in scores {
            let w = exp(s - m)
            l += w
            let vj = kvIndex(b, j, g)
            for e in 0..<d { acc[e] += w * v[vj + e] }
          }
          let row = (p.queryOffsets[b] + i) * p.queryHeads + h
          for e in 0..<d { o[row * d + e] = acc[e] / l }
          lse[row] = m + log(l)
        }
      }
    }
    return (o, lse)
  }
}

/// Largest |a − b| over elements, in `Double`, treating equal infinities as 0 and NaN as infinite.
public func maxAbsDifference<A: BinaryFloatingPoint, B: BinaryFloatingPoint>(_ a: [A], _ b: [B])
  -> Double
{
  precondition(a.count == b.count)
  var m = 0.0
  for (x, y) in zip(a, b) {
    let (x, y) = (Double(x), Double(y))
    if x == y { continue }
    let e = abs(x - y)
    if e.isNaN { return .infinity }
    m = max(m, e)
  }
  return m
}
