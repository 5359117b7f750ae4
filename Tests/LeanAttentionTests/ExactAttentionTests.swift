import Foundation
import LeanAttention
import LeanAttentionGolden
import PropertyBased
import TestSupport
import Testing

@Suite("Exact attention")
struct ExactAttentionTests {
  @Test(
    "Float64 equals a naive Float64 loop on random ragged, GQA, paged, masked, soft-capped problems"
  )
  func matchesNaiveLoop() async throws {
    await propertyCheck(count: 150, input: randomProblems) { c in
      let x = try c.inputs(Double.self)
      let ref = NaiveAttention.compute(x)
      let got = ExactAttention.compute(x, in: Double.self)
      #expect(maxAbsDifference(got.output.storage, ref.o) <= 1e-12, "\(c)")
      #expect(maxAbsDifference(got.logSumExp.storage, ref.lse) <= 1e-12, "\(c)")
      // Fully masked rows are exactly 0 with LSE −∞, as in the oracle.
      for (r, l) in ref.lse.enumerated() where l == -.infinity {
        #expect(got.logSumExp.storage[r] == -.infinity)
        let d = c.problem.headDim
        #expect(got.output.storage[(r * d)..<(r * d + d)].allSatisfy { $0 == 0 })
      }
    }
  }

  @Test("Float16 and BFloat16 inputs are widened exactly before Float64 arithmetic")
  func lowPrecisionStorage() throws {
    let p = try AttentionProblem(
      requests: [.init(queryLength: 3, kvLength: 50), .init(queryLength: 1, kvLength: 17)],
      queryHeads: 4, kvHeads: 2, headDim: 16, mask: .causal())
    for x in [
      SeededInputs.contiguous(p, seed: 5, as: Float16.self).converted(to: Double.self),
      SeededInputs.contiguous(p, seed: 5, as: BFloat16.self).converted(to: Double.self),
    ] {
      let ref = NaiveAttention.compute(x)
      let got = ExactAttention.compute(x, in: Double.self)
      #expect(maxAbsDifference(got.output.storage, ref.o) <= 1e-12)
    }
    let h = SeededInputs.contiguous(p, seed: 5, as: Float16.self)
    let direct = ExactAttention.compute(h, in: Double.self)
    let widened = ExactAttention.compute(h.converted(to: Double.self), in: Double.self)
    #expect(direct.output.storage == widened.output.storage)
  }

  @Test("Equal scores: O is the mean of the visible V rows and LSE = s + log n")
  func equalScores() throws {
    let lq = 5
    let lk = 9
    let d = 4
    let p = try AttentionProblem(
      requests: [.init(queryLength: lq, kvLength: lk)], queryHeads: 1, kvHeads: 1, headDim: d,
      mask: .causal(.bottomRight))
    let base = SeededInputs.contiguous(p, seed: 11, as: Double.self)
    // Every key is the same vector, so every score of a row is the same s.
    let key = [0.5, -1.0, 0.25, 2.0]
    let keys = try Tensor(shape: [lk, 1, d], storage: (0..<lk).flatMap { _ in key })
    guard case .contiguous(_, let values) = base.keyValues else { return }
    let x = try AttentionInputs(problem: p, queries: base.queries, keys: keys, values: values)
    let out = ExactAttention.compute(x, in: Double.self)
    for i in 0..<lq {
      let n = i + lk - lq + 1
      let q = Array(base.queries.storage[(i * d)..<(i * d + d)])
      let s = zip(q, key).map(*).reduce(0, +) * p.scale
      #expect(abs(out.logSumExp.storage[i] - (s + log(Double(n)))) <= 1e-13)
      for e in 0..<d {
        let mean = (0..<n).map { values.storage[$0 * d + e] }.reduce(0, +) / Double(n)
        #expect(abs(out.output.storage[i * d + e] - mean) <= 1e-13)
      }
    }
  }

  @Test("One dominant score: O is that V row")
  func dominantScore() throws {
    let lk = 40
    let d = 8
    let p = try AttentionProblem(
      requests: [.init(queryLength: 1, kvLength: lk)], queryHeads: 1, kvHeads: 1, headDim: d,
      scale: 1)
    let base = SeededInputs.contiguous(p, seed: 3, as: Double.self)
    guard case .contiguous(let k0, let v) = base.keyValues else { return }
    var k = k0
    let q = base.queries.storage
    let qNorm2 = q.map { $0 * $0 }.reduce(0, +)
    // Key 17 points along q with a score 60 above any other: others weigh < e^-50.
    let maxOther = (0..<lk).map { j in (0..<d).map { q[$0] * k.storage[j * d + $0] }.reduce(0, +) }
      .max()!
    for e in 0..<d { k.storage[17 * d + e] = q[e] * (maxOther + 60) / qNorm2 }
    let out = ExactAttention.compute(
      try AttentionInputs(problem: p, queries: base.queries, keys: k, values: v), in: Double.self)
    for e in 0..<d {
      #expect(
        abs(out.output.storage[e] - v.storage[17 * d + e]) <= 1e-20 + 1e-15
          * abs(v.storage[17 * d + e]) + 40 * exp(-50.0) * 10)
    }
  }

  @Test("Without a mask, permuting the KV tokens leaves O and LSE unchanged")
  func permutationInvariance() throws {
    let lk = 64
    let d = 12
    let p = try AttentionProblem(
      requests: [.init(queryLength: 3, kvLength: lk)], queryHeads: 2, kvHeads: 1, headDim: d)
    let x = SeededInputs.contiguous(p, seed: 21, as: Double.self)
    guard case .contiguous(let k, let v) = x.keyValues else { return }
    let perm = SeededInputs.shuffled(lk, seed: 77)
    func permuted(_ t: Tensor<Double>) throws -> Tensor<Double> {
      try Tensor(
        shape: t.shape, storage: perm.flatMap { Array(t.storage[($0 * d)..<($0 * d + d)]) })
    }
    let y = try AttentionInputs(
      problem: p, queries: x.queries, keys: permuted(k), values: permuted(v))
    let a = ExactAttention.compute(x, in: Double.self)
    let b = ExactAttention.compute(y, in: Double.self)
    #expect(maxAbsDifference(a.output.storage, b.output.storage) <= 1e-13)
    #expect(maxAbsDifference(a.logSumExp.storage, b.logSumExp.storage) <= 1e-13)
  }

  @Test("Adding a constant c to a row's scores shifts its LSE by c and leaves O unchanged")
  func shiftInvariance() throws {
    let d = 6
    let p = try AttentionProblem(
      requests: [.init(queryLength: 4, kvLength: 30)], queryHeads: 1, kvHeads: 1, headDim: d,
      scale: 0.5, mask: .causal())
    let x = SeededInputs.contiguous(p, seed: 8, as: Double.self)
    guard case .contiguous(var k, let v) = x.keyValues else { return }
    // The last dimension of every key is 1, so raising q's last component by
    // c / scale raises every score of that row by exactly c (up to rounding).
    for j in 0..<30 { k.storage[j * d + d - 1] = 1 }
    let c = 7.25
    var q2 = x.queries
    for i in 0..<4 { q2.storage[i * d + d - 1] += c / p.scale }
    let a = ExactAttention.compute(
      try AttentionInputs(problem: p, queries: x.queries, keys: k, values: v), in: Double.self)
    let b = ExactAttention.compute(
      try AttentionInputs(problem: p, queries: q2, keys: k, values: v), in: Double.self)
    #expect(maxAbsDifference(a.output.storage, b.output.storage) <= 1e-13)
    for i in 0..<4 { #expect(abs(b.logSumExp.storage[i] - a.logSumExp.storage[i] - c) <= 1e-12) }
  }

  @Test("Scaling V scales O: bitwise for a power of two, to rounding otherwise")
  func valueScaling() throws {
    let p = try AttentionProblem(
      requests: [.init(queryLength: 2, kvLength: 33), .init(queryLength: 1, kvLength: 0)],
      queryHeads: 4, kvHeads: 2, headDim: 8, mask: .slidingWindow(left: 10, right: 0))
    let x = SeededInputs.contiguous(p, seed: 4, as: Double.self)
    guard case .contiguous(let k, let v) = x.keyValues else { return }
    let a = ExactAttention.compute(x, in: Double.self)
    for alpha in [2.0, 3.0] {
      let vs = try Tensor(shape: v.shape, storage: v.storage.map { $0 * alpha })
      let b = ExactAttention.compute(
        try AttentionInputs(problem: p, queries: x.queries, keys: k, values: vs), in: Double.self)
      let scaled = a.output.storage.map { $0 * alpha }
      if alpha == 2 {
        #expect(b.output.storage == scaled)
      } else {
        #expect(maxAbsDifference(b.output.storage, scaled) <= 1e-14 * alpha * 8)
      }
      #expect(b.logSumExp.storage == a.logSumExp.storage)
    }
  }

  /// The Float32 error bound, derived per row from the data (first order in u = 2⁻²⁴).
  ///
  /// - Scores: each `s_j = scale·Σ_e q_e k_e` is a D-term dot product, so
  ///   `|Δs_j| ≤ (D + 1)·u·scale·Σ_e |q_e k_e|` (γ_D plus the scaling); the
  ///   soft-cap's tanh has slope ≤ 1 and adds ≤ 2u·cap. Call the row's largest `δs`.
  /// - Weights: `p_j = exp(s_j − m)`; the subtraction adds `u·|s_j − m|`, exp
  ///   one more `u`, so each weight has relative error ≤ `2δs + u·|s_j − m| + u`.
  /// - Output: `O = Σ p_j v_j / Σ p_j`, a convex combination; relative weight
  ///   errors ≤ ε move it by ≤ `2ε·max|v|`, and the two n-term sums add
  ///   `(n + 1)·u·max|v|`, plus `u·|O|` for the division.
  /// - LSE `= m + log l`: `δs + (n + 1)u + 2u·|LSE|`.
  @Test("Float32 agrees with Float64 within the derived bound")
  func float32Bound() async throws {
    await propertyCheck(count: 60, input: randomProblems) { c in
      let x = try c.inputs(Float.self)
      let hi = ExactAttention.compute(x, in: Double.self)
      let lo = ExactAttention.compute(x, in: Float.self)
      let p = c.problem
      let d = p.headDim
      let u = 0x1p-24
      let q = x.queries.storage.map(Double.init)
      let wide = x.converted(to: Double.self)
      let (k, v) = wide.keyValueStorage
      for b in 0..<p.batchSize {
        for i in 0..<p.requests[b].queryLength {
          let vis = p.visibleKeys(request: b, query: i)
          for h in 0..<p.queryHeads {
            let row = (p.queryOffsets[b] + i) * p.queryHeads + h
            guard !vis.isEmpty else {
              #expect(lo.logSumExp.storage[row] == -.infinity)
              continue
            }
            let g = h / p.groupSize
            var ds = 0.0
            var vmax = 0.0
            var spread = 0.0
            let lseRef = hi.logSumExp.storage[row]
            for j in vis {
              let kj = wide.kvRowIndex(request: b, token: j, kvHead: g)
              var absDot = 0.0
              var dot = 0.0
              for e in 0..<d {
                absDot += abs(q[row * d + e] * k[kj + e])
                dot += q[row * d + e] * k[kj + e]
                vmax = max(vmax, abs(v[kj + e]))
              }
              ds = max(
                ds, Double(d + 1) * u * p.scale * absDot + (p.softCap.map { 2 * u * $0 } ?? 0))
              spread = max(spread, abs(dot * p.scale - lseRef))
            }
            let n = Double(vis.count)
            let eps = 2 * ds + u * (spread + 2) + u
            let bound = 2 * eps * vmax + (n + 1) * u * vmax + u * vmax
            for e in 0..<d {
              let err = abs(Double(lo.output.storage[row * d + e]) - hi.output.storage[row * d + e])
              #expect(err <= bound, "\(c) row \(row) err \(err) bound \(bound)")
            }
            let lseErr = abs(Double(lo.logSumExp.storage[row]) - lseRef)
            #expect(
              lseErr <= ds + (n + 1) * u + 2 * u * abs(lseRef) + u * spread, "\(c) row \(row)")
          }
        }
      }
    }
  }

  /// Decode-like requests (at most 64 query rows per KV head) are streamed in
  /// 512-token chunks: token by token with one query row per KV head, in
  /// 32-token products otherwise. These shapes cross chunk and tile boundaries
  /// with remainders, on both forms, contiguous and paged.
  @Test(
    "Streamed decode equals the naive loop across chunk and tile boundaries",
    arguments: [(4, 4), (8, 2), (32, 1)])
  func streamedDecode(queryHeads: Int, kvHeads: Int) throws {
    let masks: [AttentionMask] = [
      .none, .causal(), .slidingWindow(left: 600, right: 0), .slidingWindow(left: 5, right: nil),
    ]
    for (m, mask) in masks.enumerated() {
      let p = try AttentionProblem(
        requests: [
          .init(queryLength: 1, kvLength: 1300), .init(queryLength: 2, kvLength: 700),
          .init(queryLength: 1, kvLength: 513), .init(queryLength: 1, kvLength: 0),
        ],
        queryHeads: queryHeads, kvHeads: kvHeads, headDim: 16, mask: mask, softCap: m == 3 ? 2 : nil
      )
      let seed = UInt64(100 + m)
      for x in [
        SeededInputs.contiguous(p, seed: seed, as: Double.self),
        try SeededInputs.paged(p, seed: seed, pageSize: 48, as: Double.self),
      ] {
        let ref = NaiveAttention.compute(x)
        let got = ExactAttention.compute(x, in: Double.self)
        #expect(maxAbsDifference(got.output.storage, ref.o) <= 1e-12, "\(mask)")
        #expect(maxAbsDifference(got.logSumExp.storage, ref.lse) <= 1e-12, "\(mask)")
      }
    }
  }

  /// Long prefills run in blocks of up to 256 packed rows whose products stop
  /// at the last key each 128-row sub-block sees (a staircase). These shapes
  /// give blocks of several sub-blocks under every mask, with partial last
  /// blocks, GQA packing (rows are token × head) and soft-capping.
  @Test(
    "Prefill blocks equal the naive loop under every mask, GQA-packed or not",
    arguments: [(2, 2), (4, 1), (8, 2)])
  func prefillBlocks(queryHeads: Int, kvHeads: Int) throws {
    let masks: [AttentionMask] = [
      .none, .causal(.bottomRight), .causal(.topLeft), .slidingWindow(left: 90, right: 10),
      .slidingWindow(left: nil, right: 0),
    ]
    for (m, mask) in masks.enumerated() {
      let p = try AttentionProblem(
        requests: [.init(queryLength: 530, kvLength: 530), .init(queryLength: 300, kvLength: 700)],
        queryHeads: queryHeads, kvHeads: kvHeads, headDim: 8, mask: mask,
        softCap: m == 1 ? 3 : nil)
      let x = SeededInputs.contiguous(p, seed: UInt64(200 + m), as: Double.self)
      let ref = NaiveAttention.compute(x)
      let got = ExactAttention.compute(x, in: Double.self)
      #expect(maxAbsDifference(got.output.storage, ref.o) <= 1e-12, "\(mask)")
      #expect(maxAbsDifference(got.logSumExp.storage, ref.lse) <= 1e-12, "\(mask)")
    }
  }

  @Test("Same inputs give bitwise the same output on every run")
  func determinism() throws {
    let p = try AttentionProblem(
      requests: [.init(queryLength: 300, kvLength: 700), .init(queryLength: 1, kvLength: 5000)],
      queryHeads: 8, kvHeads: 2, headDim: 64, mask: .causal())
    let x = SeededInputs.contiguous(p, seed: 9, as: Float.self)
    let a = ExactAttention.compute(x, in: Float.self)
    for _ in 0..<3 {
      let b = ExactAttention.compute(x, in: Float.self)
      #expect(a.output.storage.map(\.bitPattern) == b.output.storage.map(\.bitPattern))
      #expect(a.logSumExp.storage.map(\.bitPattern) == b.logSumExp.storage.map(\.bitPattern))
    }
  }

  @Test("Long contexts are blocked over queries: scratch stays bounded and results stay exact")
  func boundedMemory() throws {
    let huge = try AttentionProblem(
      requests: [.init(queryLength: 131072, kvLength: 131072)], queryHeads: 1, kvHeads: 1,
      headDim: 64,
      mask: .causal())
    // Scores per block, never the 131072² matrix: ≤ 2²² scores (32 MiB in Float64) per worker.
    #expect(ExactAttention.maxBlockScores(huge) <= ExactAttention.scoreBudget)
    #expect(ExactAttention.maxBlockScores(huge) < 131072 * 131072 / 1000)
    // A problem whose blocks are cut by the memory budget, checked against the loop.
    let p = try AttentionProblem(
      requests: [.init(queryLength: 300, kvLength: 50000)], queryHeads: 1, kvHeads: 1, headDim: 3,
      mask: .causal())
    #expect(ExactAttention.maxBlockScores(p) < 300 * 50000)
    let x = SeededInputs.contiguous(p, seed: 2, as: Double.self)
    let ref = NaiveAttention.compute(x)
    let got = ExactAttention.compute(x, in: Double.self)
    #expect(maxAbsDifference(got.output.storage, ref.o) <= 1e-12)
    #expect(maxAbsDifference(got.logSumExp.storage, ref.lse) <= 1e-11)
  }

  @Test("Base-2 LSE is the natural LSE divided by ln 2; −∞ stays −∞")
  func logBase() throws {
    let p = try AttentionProblem(
      requests: [.init(queryLength: 2, kvLength: 5), .init(queryLength: 1, kvLength: 0)],
      queryHeads: 1, kvHeads: 1, headDim: 4)
    let out = ExactAttention.compute(
      SeededInputs.contiguous(p, seed: 1, as: Double.self), in: Double.self)
    let two = out.logSumExp(base: .two).storage
    for (n, b) in zip(out.logSumExp.storage, two) {
      if n == -.infinity {
        #expect(b == -.infinity)
      } else {
        #expect(abs(b - n / log(2.0)) <= 1e-15 * abs(b))
      }
      #expect(LogBase.two.toNatural(b) == n || abs(LogBase.two.toNatural(b) - n) <= 1e-15 * abs(n))
    }
  }
}
