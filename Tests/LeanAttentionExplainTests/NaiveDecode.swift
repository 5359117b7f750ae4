import Foundation
import LeanAttention
import LeanAttentionGolden

/// Decode attention of one query head over a range of keys, by the textbook
/// formula in Float64 with Foundation's exp and log: the tests' independent oracle.
struct NaiveDecode {
  let problem: AttentionProblem
  let q: [Double]
  let k: [Double]
  let v: [Double]

  init(_ problem: AttentionProblem, seed: UInt64) {
    self.problem = problem
    let inputs = SeededInputs.contiguous(problem, seed: seed, as: Float.self)
    q = inputs.queries.storage.map(Double.init)
    let (keys, values) = inputs.keyValueStorage
    k = keys.map(Double.init)
    v = values.map(Double.init)
  }

  /// `(lse, o)` of query head `h` over `tokens`.
  func state(head h: Int, tokens: Range<Int>) -> (lse: Double, o: [Double]) {
    let d = problem.headDim
    let kvHead = h / (problem.queryHeads / problem.kvHeads)
    var scores: [Double] = []
    for j in tokens {
      var dot = 0.0
      for e in 0..<d { dot += q[h * d + e] * k[(j * problem.kvHeads + kvHead) * d + e] }
      scores.append(dot * problem.scale)
    }
    let m = scores.max() ?? -.infinity
    let weights = scores.map { exp($0 - m) }
    let sum = weights.reduce(0, +)
    var o = [Double](repeating: 0, count: d)
    for (w, j) in zip(weights, tokens) {
      for e in 0..<d { o[e] += w / sum * v[(j * problem.kvHeads + kvHead) * d + e] }
    }
    return (m + log(sum), o)
  }
}
