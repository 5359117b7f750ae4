import Foundation
import LeanAttention
import LeanAttentionGolden
import PropertyBased
import TestSupport
import Testing

/// The fixed-order path that golden files use: accurate against an 80-bit
/// loop written here, and independent of how the work is divided.
@Suite("Fixed-order attention")
struct FixedOrderAttentionTests {
  #if arch(x86_64)
    /// Worst `|o − o_ref| / bound` over all components, with `o_ref` an 80-bit
    /// recompute from the same (rounded) inputs and the bound derived from the
    /// fixed order's arithmetic (Docs/GoldenFiles.md), per component `e`:
    ///
    ///     u · [ (n + 4) · Σ_j p_j |v_je|
    ///           + Σ_j p_j |v_je − o_e| · (2(D/8 + 4) · scale · Σ_i |q_i k_ji| · c + |s_j − m| + 4) ]
    ///
    /// with `u = 2⁻⁵³`, `n` the visible keys, `p` the exact softmax, and
    /// `c = 1 + 5` under a soft-cap (tanh's 5 ulp), else 1. The first term is
    /// the sums, the second the score, subtraction and `exp` errors carried
    /// through the softmax. Also returns the worst error in units of
    /// `u · Σ_j p_j |v_je|`, the figure the guide quotes.
    static func worst<E: StorageScalar>(_ x: AttentionInputs<E>) -> (ratio: Double, units: Double) {
      let p = x.problem
      let d = p.headDim
      let got = FixedOrderAttention.compute(x, in: Double.self)
      let q = x.queries.storage.map { Float80($0.doubleValue) }
      let (kStore, vStore) = x.keyValueStorage
      let k = kStore.map { Float80($0.doubleValue) }
      let v = vStore.map { Float80($0.doubleValue) }
      let u: Float80 = 0x1p-53
      var worst = (ratio: 0.0, units: 0.0)
      for b in 0..<p.batchSize {
        for i in 0..<p.requests[b].queryLength {
          let visible = p.visibleKeys(request: b, query: i)
          for h in 0..<p.queryHeads {
            let row = (p.queryOffsets[b] + i) * p.queryHeads + h
            let g = h / p.groupSize
            guard !visible.isEmpty else {
              #expect(got.logSumExp.storage[row] == -.infinity)
              continue
            }
            let qi = row * d
            var s: [Float80] = []
            var magnitude: [Float80] = []
            var rows: [Int] = []
            for j in visible {
              let kj = x.kvRowOffset(request: b, token: j, kvHead: g)
              var dot: Float80 = 0
              var abs: Float80 = 0
              for e in 0..<d {
                dot += q[qi + e] * k[kj + e]
                abs += Swift.abs(q[qi + e] * k[kj + e])
              }
              var score = Float80(p.scale) * dot
              if let cap = p.softCap { score = Float80(cap) * Float80.tanh(score / Float80(cap)) }
              s.append(score)
              magnitude.append(Float80(p.scale) * abs)
              rows.append(kj)
            }
            let m = s.max()!
            let w = s.map { Float80.exp($0 - m) }
            let l = w.reduce(0, +)
            let n = Float80(visible.count)
            let scoreUnits = Float80(2 * (d / 8 + 4)) * (p.softCap == nil ? 1 : 6)
            for e in 0..<d {
              var o: Float80 = 0
              for (j, kj) in rows.enumerated() { o += w[j] / l * v[kj + e] }
              var sumPV: Float80 = 0
              var spread: Float80 = 0
              for (j, kj) in rows.enumerated() {
                let pj = w[j] / l
                sumPV += pj * Swift.abs(v[kj + e])
                spread +=
                  pj * Swift.abs(v[kj + e] - o)
                  * (scoreUnits * magnitude[j] + Swift.abs(s[j] - m) + 4)
              }
              let bound = u * ((n + 4) * sumPV + spread)
              let err = Swift.abs(Float80(got.output.storage[row * d + e]) - o)
              if bound > 0 { worst.ratio = Swift.max(worst.ratio, Double(err / bound)) }
              if sumPV > 0 { worst.units = Swift.max(worst.units, Double(err / (u * sumPV))) }
            }
          }
        }
      }
      return worst
    }

    @Test("Float64 output within the derived bound of an 80-bit loop, on every corpus case")
    func corpusAccuracy() throws {
      var report: [String] = []
      for c in try CaseCatalog.all() where c.inCorpus {
        let worst =
          switch c.dtype {
          case .f16: Self.worst(try GoldenWriter.inputs(c, seed: 2024, as: Float16.self))
          case .bf16: Self.worst(try GoldenWriter.inputs(c, seed: 2024, as: BFloat16.self))
          case .f32: Self.worst(try GoldenWriter.inputs(c, seed: 2024, as: Float.self))
          }
        #expect(worst.ratio <= 1, "\(c.name): error is \(worst.ratio) × the bound")
        report.append("\(c.name) \(worst.units)")
      }
      print("fixed-order Float64 error in units of 2⁻⁵³·Σp|v|:", report.joined(separator: ", "))
    }

    @Test("Float64 output within the derived bound on random problems")
    func randomAccuracy() async {
      await propertyCheck(count: 100, input: randomProblems) { c in
        let worst = Self.worst(try c.inputs(Double.self))
        #expect(worst.ratio <= 1, "\(c): error is \(worst.ratio) × the bound")
      }
    }
  #endif

  @Test("A request's rows are the same bits in any batch, alone or with others")
  func batchInvariance() async {
    await propertyCheck(count: 60, input: randomProblems) { c in
      let p = c.problem
      guard p.batchSize > 1, c.pageSize == nil else { return }
      let all = FixedOrderAttention.compute(try c.inputs(Float.self), in: Float.self)
      let whole = try c.inputs(Float.self)
      let d = p.headDim
      for b in 0..<p.batchSize {
        let r = p.requests[b]
        let alone = try AttentionProblem(
          requests: [r], queryHeads: p.queryHeads, kvHeads: p.kvHeads, headDim: d, mask: p.mask,
          softCap: p.softCap)
        let q = Array(
          whole.queries.storage[
            (p.queryOffsets[b] * p.queryHeads * d)..<(p.queryOffsets[b + 1] * p.queryHeads * d)])
        let (ks, vs) = whole.keyValueStorage
        let kvRange = (p.kvOffsets[b] * p.kvHeads * d)..<(p.kvOffsets[b + 1] * p.kvHeads * d)
        let x = try AttentionInputs(
          problem: alone,
          queries: Tensor(shape: [r.queryLength, p.queryHeads, d], storage: q, name: "q"),
          keyValues: .contiguous(
            keys: Tensor(
              shape: [r.kvLength, p.kvHeads, d], storage: Array(ks[kvRange]), name: "k"),
            values: Tensor(
              shape: [r.kvLength, p.kvHeads, d], storage: Array(vs[kvRange]), name: "v")))
        let one = FixedOrderAttention.compute(x, in: Float.self)
        let rows = (p.queryOffsets[b] * p.queryHeads)..<(p.queryOffsets[b + 1] * p.queryHeads)
        let mine = all.output.storage[(rows.lowerBound * d)..<(rows.upperBound * d)]
        #expect(mine.map(\.bitPattern) == one.output.storage.map(\.bitPattern), "\(c) request \(b)")
        #expect(
          all.logSumExp.storage[rows].map(\.bitPattern) == one.logSumExp.storage.map(\.bitPattern))
      }
    }
  }

  @Test("Float64 equals the naive Float64 loop on random problems")
  func matchesNaiveLoop() async {
    await propertyCheck(count: 100, input: randomProblems) { c in
      let x = try c.inputs(Double.self)
      let a = FixedOrderAttention.compute(x, in: Double.self)
      let ref = NaiveAttention.compute(x)
      #expect(maxAbsDifference(a.output.storage, ref.o) <= 1e-12, "\(c)")
      #expect(maxAbsDifference(a.logSumExp.storage, ref.lse) <= 1e-12, "\(c)")
    }
  }
}

extension AttentionInputs {
  /// The element offset of token `j`'s row for KV head `g` of request `b`, written here from
  /// the layout's definition.
  func kvRowOffset(request b: Int, token j: Int, kvHead g: Int) -> Int {
    let p = problem
    switch keyValues {
    case .contiguous:
      return ((p.kvOffsets[b] + j) * p.kvHeads + g) * p.headDim
    case .paged(let k, _, let table):
      let size = k.shape[1]
      return ((Int(table[b][j / size]) * size + j % size) * p.kvHeads + g) * p.headDim
    }
  }
}
