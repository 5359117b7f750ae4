import Foundation
import LeanAttention
import LeanAttentionGolden
import PropertyBased
import SafeTensors
import TestSupport
import Testing

/// Seeds per catalog case. Each seed costs nine passes over the attention
/// (a naive loop, four emulations, four recomputes), so the two big cases get
/// fewer to fit a 2-core CI: the paper's case (44 M multiply-adds per pass,
/// 176 MB of inputs) 2, chunked-prefill (69 M per pass) 10; every other case 50.
/// `LEANATTN_COMPARE_SEEDS` overrides the 50 (for a longer run, or a quick
/// one); the two big cases keep their share of it.
func compareSeedCount(_ name: String) -> Int {
  let n =
    ProcessInfo.processInfo.environment["LEANATTN_COMPARE_SEEDS"].flatMap(Int.init) ?? 50
  switch name {
  case "paper-56x6144": return max(1, n / 25)
  case "chunked-prefill": return max(1, n / 5)
  default: return n
  }
}

/// A golden file made in memory.
func inMemoryGolden(_ c: GoldenCase, seed: UInt64) throws -> GoldenFile {
  let writer = try GoldenWriter.make(c, seed: seed)
  return try GoldenFile(try SafeTensorsFile(bytes: Data(writer.serialized())))
}

@Suite("Compare rule")
struct CompareRuleTests {
  /// Every catalog case, or those `LEANATTN_COMPARE_CASES` names (comma-separated),
  /// for a longer campaign on a few.
  static let caseNames: [String] = {
    let all = ((try? CaseCatalog.all()) ?? []).map(\.name)
    guard let only = ProcessInfo.processInfo.environment["LEANATTN_COMPARE_CASES"] else {
      return all
    }
    let wanted = Set(only.split(separator: ",").map(String.init))
    return all.filter { wanted.contains($0) }
  }()

  /// Correct answers pass on every catalog case and many seeds: the exact
  /// Float64 answer (the golden `o` and this test's naive loop), that answer
  /// rounded once to F32, F16 and BF16, and a split-KV recompute in each
  /// precision (``SplitKVRecompute``, another order of operations). Planted
  /// errors fail on the same inputs.
  @Test(arguments: caseNames)
  func correctAnswersPassPlantedErrorsFail(name: String) async throws {
    let c = try CaseCatalog.named(name)
    // Fixed seeds, so that CI judges the same inputs every run;
    // `LEANATTN_COMPARE_SEED_OFFSET` shifts them for a longer campaign.
    let offset =
      ProcessInfo.processInfo.environment["LEANATTN_COMPARE_SEED_OFFSET"]
      .flatMap(Int.init) ?? 0
    for i in offset..<(offset + compareSeedCount(name)) {
      let seed = UInt64(i + 1) &* 0x9E37_79B9_7F4A_7C15
      let g = try inMemoryGolden(c, seed: seed)
      let data = try GoldenData(g)
      let x = try g.inputs(as: Double.self)
      let exact = NaiveAttention.compute(x)
      for t in [DType.f64, .f32, .f16, .bf16] {
        let basis = try ComparisonBasis(data, precision: t)
        let rounded = (
          o: exact.o.map { roundedOnce($0, to: t) },
          lse: exact.lse.map { roundedOnce($0, to: t == .f64 ? .f64 : .f32) }
        )
        var correct = [("exact rounded once", rounded)]
        if t == .f64 { correct.append(("golden o", (data.output, data.logSumExp))) }
        correct.append(
          ("split-KV recompute", SplitKVRecompute.compute(x, precision: t, cutSeed: seed)))
        for (what, cand) in correct {
          let v = try basis.judge(output: cand.o, logSumExp: cand.lse)
          #expect(v.passed, "\(name) seed \(seed) \(t.rawValue) \(what): \(v.failures)")
          #expect(v.outputThreshold?.isFinite == true && v.logSumExpThreshold?.isFinite == true)
        }
        try Self.plantedErrorsFail(
          basis, base: rounded, seed: seed, label: "\(name) seed \(seed) \(t.rawValue)")
      }
    }
  }

  /// Each planted error fails the candidate `base`, which passes on its own.
  static func plantedErrorsFail(
    _ basis: ComparisonBasis, base: (o: [Double], lse: [Double]), seed: UInt64, label: String
  ) throws {
    let data = basis.data
    let p = data.problem
    let d = p.headDim
    let hq = p.queryHeads
    let tokens = p.totalQueryTokens
    let seen = data.emptyRows.indices.filter { !data.emptyRows[$0] }
    guard let firstSeen = seen.first else { return }
    func fails(_ o: [Double], _ lse: [Double]?, _ what: String) throws -> Comparison {
      let v = try basis.judge(output: o, logSumExp: lse)
      #expect(!v.passed, "\(label): \(what) passed")
      return v
    }
    let row = seen[Int(seed % UInt64(seen.count))]
    let n = row * d + Int(seed % UInt64(d))
    let t = try #require(basis.outputBound?.threshold)
    /// Whether a structural error is larger than the bound somewhere. It is
    /// not always: BF16 cannot resolve a softmax of scores near 1e4
    /// (extreme-scores), so its emulated error, and the bound, is as large as
    /// the outputs themselves.
    func exceeds(_ o: [Double], _ bound: Double) -> Bool {
      seen.contains { r in (0..<d).contains { abs(o[r * d + $0] - data.output[r * d + $0]) > bound }
      }
    }

    // One element 1.05 × the bound away: exactly one element over.
    /// `g` moved by 1.05 × `bound`, or to the nearest representable value past the bound.
    func off(_ g: Double, by bound: Double, up: Bool) -> Double {
      var c = up ? g + 1.05 * bound : g - 1.05 * bound
      while !(abs(c - g) > bound) { c = up ? c.nextUp : c.nextDown }
      return c
    }
    var o = base.o
    o[n] = off(data.output[n], by: t, up: true)
    var v = try fails(o, base.lse, "one element 1.05 × bound off")
    #expect(v.outputExceeding == 1 && v.output.worstIndex == n, "\(label)")
    var lse = base.lse
    let tl = try #require(basis.logSumExpBound(in: basis.defaultLogSumExpPrecision)?.threshold)
    lse[row] = off(data.logSumExp[row], by: tl, up: false)
    v = try fails(base.o, lse, "one LSE 1.05 × bound off")
    #expect(v.logSumExpExceeding == 1, "\(label)")

    // One NaN.
    o = base.o
    o[n] = .nan
    v = try fails(o, base.lse, "one NaN")
    #expect(v.outputExceeding == 1 && v.output.nanCount == 1, "\(label)")

    // Heads 0 and 1 swapped in every token.
    if hq >= 2 {
      o = base.o
      lse = base.lse
      for tok in 0..<tokens {
        let a = tok * hq
        lse.swapAt(a, a + 1)
        for e in 0..<d { o.swapAt(a * d + e, (a + 1) * d + e) }
      }
      if exceeds(o, t) { _ = try fails(o, lse, "swapped heads") }
    }

    // A base-2 LSE (FlashInfer's), with the right O.
    lse = base.lse.map { $0.isFinite ? $0 / M_LN2 : $0 }
    if lse.enumerated().contains(where: {
      !data.emptyRows[$0.offset] && abs($0.element - base.lse[$0.offset]) > 4 * tl
    }) {
      _ = try fails(base.o, lse, "base-2 LSE")
    }

    // O written [Hq, totalQ, D] instead of [totalQ, Hq, D].
    if tokens >= 2 && hq >= 2 {
      o = base.o
      for tok in 0..<tokens {
        for h in 0..<hq {
          for e in 0..<d { o[(h * tokens + tok) * d + e] = base.o[(tok * hq + h) * d + e] }
        }
      }
      if exceeds(o, t) { _ = try fails(o, base.lse, "transposed layout") }
    }

    // Rows that see no key written with another convention.
    let empty = data.emptyRows.indices.filter { data.emptyRows[$0] }
    if !empty.isEmpty {
      lse = base.lse
      for r in empty { lse[r] = .infinity }
      v = try fails(base.o, lse, "LSE = +inf on empty rows (FlashAttention-2)")
      #expect(v.emptyRowViolations == empty.count)
      lse = base.lse
      for r in empty { lse[r] = 0 }
      _ = try fails(base.o, lse, "LSE = 0 on empty rows")
      o = base.o
      lse = base.lse
      for r in empty {
        lse[r] = .nan
        for e in 0..<d { o[r * d + e] = .nan }
      }
      _ = try fails(o, lse, "NaN on empty rows (softmax of all −inf)")
      o = base.o
      for e in 0..<d { o[empty[0] * d + e] = 1e-30 }
      _ = try fails(o, base.lse, "a nonzero O on an empty row")
    }
    _ = firstSeen
  }
}
