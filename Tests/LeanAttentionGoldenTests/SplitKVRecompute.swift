import Foundation
import LeanAttention
import SafeTensors
import TestSupport

/// An independent recompute the way a split-KV kernel (FlashDecoding, a lean
/// schedule) orders it, written here from the definitions and sharing no
/// arithmetic with the library.
///
/// Each row's visible keys are cut into up to three unequal pieces at points
/// drawn from `cutSeed`. Each piece runs a FlashAttention-2 kernel's loop:
/// scores `Q·K` from the `T`-rounded inputs, the dot product in four
/// interleaved partial sums (as a vectorized kernel adds), scaled in the
/// accumulation precision afterwards; an online softmax over blocks of 64
/// keys; the unnormalized probabilities rounded to `T` before `P·V`. The
/// pieces' `(m, l, acc)` are then merged by rescaling to the largest `m`, and
/// `O = round_T(acc / l)`; `LSE = m + log l`. Products and sums are in Float32
/// (Float64 for F64).
enum SplitKVRecompute {
  static func compute(_ x: AttentionInputs<Double>, precision t: DType, cutSeed: UInt64 = 0) -> (
    o: [Double], lse: [Double]
  ) {
    t == .f64 ? run(x, t, cutSeed, Double.self) : run(x, t, cutSeed, Float.self)
  }

  /// A piece's running state: max score, sum of exponentials, unnormalized output.
  struct Piece<A: RecomputeScalar> {
    var m = -A.infinity
    var l: A = 0
    var acc: [A]
  }

  static func run<A: RecomputeScalar>(
    _ x: AttentionInputs<Double>, _ t: DType, _ cutSeed: UInt64, _: A.Type
  ) -> (o: [Double], lse: [Double]) {
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
    var s = [A](repeating: 0, count: block)
    var draw = cutSeed | 1
    func next(below n: Int) -> Int {
      // xorshift64: the cut points need only be arbitrary, not good random numbers.
      draw ^= draw << 13
      draw ^= draw >> 7
      draw ^= draw << 17
      return Int(draw % UInt64(n))
    }
    for b in 0..<p.batchSize {
      let lq = p.requests[b].queryLength
      let lk = p.requests[b].kvLength
      for i in 0..<lq {
        let visible = (0..<lk).filter {
          NaiveAttention.isVisible(i, $0, lq: lq, lk: lk, mask: p.mask)
        }
        if visible.isEmpty { continue }
        var cuts = [0, visible.count]
        for _ in 0..<next(below: 3) where visible.count > 1 {
          cuts.append(1 + next(below: visible.count - 1))
        }
        cuts = Array(Set(cuts)).sorted()
        for h in 0..<p.queryHeads {
          let g = h / p.groupSize
          let row = (p.queryOffsets[b] + i) * p.queryHeads + h
          let qs = (0..<d).map { q[row * d + $0] }
          var pieces: [Piece<A>] = []
          for (lo, hi) in zip(cuts, cuts.dropFirst()) {
            var piece = Piece<A>(acc: [A](repeating: 0, count: d))
            for start in stride(from: lo, to: hi, by: block) {
              let keys = visible[start..<min(start + block, hi)]
              var blockMax = -A.infinity
              for (n, j) in keys.enumerated() {
                let kr = x.kvRowIndex(request: b, token: j, kvHead: g)
                var lanes: (A, A, A, A) = (0, 0, 0, 0)
                var e = 0
                while e + 4 <= d {
                  lanes.0 += qs[e] * k[kr + e]
                  lanes.1 += qs[e + 1] * k[kr + e + 1]
                  lanes.2 += qs[e + 2] * k[kr + e + 2]
                  lanes.3 += qs[e + 3] * k[kr + e + 3]
                  e += 4
                }
                while e < d {
                  lanes.0 += qs[e] * k[kr + e]
                  e += 1
                }
                var dot = ((lanes.0 + lanes.1) + (lanes.2 + lanes.3)) * scale
                if let cap = p.softCap { dot = A(cap) * A.tanh(dot / A(cap)) }
                s[n] = dot
                blockMax = max(blockMax, dot)
              }
              let mNew = max(piece.m, blockMax)
              let correction = piece.m == -A.infinity ? 0 : A.exp(piece.m - mNew)
              piece.l *= correction
              for e in 0..<d { piece.acc[e] *= correction }
              for (n, j) in keys.enumerated() {
                let pj = A.exp(s[n] - mNew)
                piece.l += pj
                let pr = A.round(pj, t)
                let vr = x.kvRowIndex(request: b, token: j, kvHead: g)
                for e in 0..<d { piece.acc[e] += pr * v[vr + e] }
              }
              piece.m = mNew
            }
            pieces.append(piece)
          }
          // The merge: rescale every piece to the largest max, then add.
          let m = pieces.map(\.m).max() ?? -A.infinity
          var l: A = 0
          var acc = [A](repeating: 0, count: d)
          for piece in pieces {
            let f = A.exp(piece.m - m)
            l += piece.l * f
            for e in 0..<d { acc[e] += piece.acc[e] * f }
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
