import Foundation
import LeanAttention
import LeanAttentionGolden
import PropertyBased
import RealModule
import TestSupport
import Testing

func bits<V: PortableElementaryFunctions>(_ s: AttentionState<V>) -> [UInt64]
where V.RawSignificand: FixedWidthInteger {
  (s.output + [s.logSumExp]).map {
    UInt64($0.significandBitPattern) ^ (UInt64($0.exponentBitPattern) << 53)
      ^ ($0.sign == .minus ? 1 << 63 : 0)
  }
}

/// A random state with LSE in ±`lseRange` and outputs in ±3.
func randomState<V: PortableElementaryFunctions>(
  _ d: Int, _ r: inout PhiloxDraws, lseRange: Double
) -> AttentionState<V> {
  let o = (0..<d).map { _ in V(r.uniform(-3, 3)) }
  return try! AttentionState(output: o, logSumExp: V(r.uniform(-lseRange, lseRange)))
}

/// The associativity bound of `AttentionState.merge` (derived in its doc comment).
func mergeBound<V: PortableElementaryFunctions>(
  _ states: [AttentionState<V>], levels: Int
) -> (o: Double, lse: Double) {
  let u = Double(V.ulpOfOne) / 2
  let lses = states.filter { !$0.isEmpty }.map { Double($0.logSumExp) }
  let big = lses.map(abs).max() ?? 0
  let spread = (lses.max() ?? 0) - (lses.min() ?? 0)
  let omax = states.flatMap(\.output).map { abs(Double($0)) }.max() ?? 0
  return (
    Double(2 * levels) * u * (big + 5 * spread + 15) * omax,
    Double(2 * levels) * u * (big + 2 * spread + 6)
  )
}

func distance<V: PortableElementaryFunctions>(
  _ a: AttentionState<V>, _ b: AttentionState<V>
) -> (o: Double, lse: Double) {
  let o = zip(a.output, b.output).map { abs(Double($0) - Double($1)) }.max() ?? 0
  let l = a.logSumExp == b.logSumExp ? 0 : abs(Double(a.logSumExp) - Double(b.logSumExp))
  return (o, l)
}

@Suite("Attention states and the merge operator")
struct AttentionStateTests {
  let cases = zip(Gen.int(in: 1...16), Gen.double(in: 0...60), Gen.uint64(in: 0...UInt64.max))

  @Test("Commutativity: merge(a, b) == merge(b, a) bitwise")
  func commutativity() async {
    await propertyCheck(count: 500, input: cases) { d, range, seed in
      var r = PhiloxDraws(seed: seed, stream: 7)
      let a: AttentionState<Float> = randomState(d, &r, lseRange: range)
      let b: AttentionState<Float> = randomState(d, &r, lseRange: range)
      #expect(bits(AttentionState.merge(a, b)) == bits(AttentionState.merge(b, a)))
      let x: AttentionState<Double> = randomState(d, &r, lseRange: range)
      let y: AttentionState<Double> = randomState(d, &r, lseRange: range)
      #expect(bits(AttentionState.merge(x, y)) == bits(AttentionState.merge(y, x)))
    }
  }

  @Test("Identity: merge(a, empty) == a bitwise, and empties merge to empty")
  func identity() async {
    await propertyCheck(count: 500, input: cases) { d, range, seed in
      var r = PhiloxDraws(seed: seed, stream: 7)
      let a: AttentionState<Float> = randomState(d, &r, lseRange: range)
      let e = AttentionState<Float>.empty(dimension: d)
      #expect(bits(AttentionState.merge(a, e)) == bits(a))
      #expect(bits(AttentionState.merge(e, a)) == bits(a))
      let ee = AttentionState.merge(e, e)
      #expect(ee.isEmpty && ee.logSumExp == -.infinity && ee.output.allSatisfy { $0 == 0 })
      #expect(AttentionState.merge([e, e, e], dimension: d).isEmpty)
      #expect(AttentionState<Float>.merge([], dimension: d).isEmpty)
    }
  }

  @Test("Associativity within 4u·(L + 5Δ + 15)·max|o|")
  func associativity() async {
    await propertyCheck(count: 500, input: cases) { d, range, seed in
      var r = PhiloxDraws(seed: seed, stream: 7)
      func check<V: PortableElementaryFunctions>(_: V.Type) {
        let a: AttentionState<V> = randomState(d, &r, lseRange: range)
        let b: AttentionState<V> = randomState(d, &r, lseRange: range)
        let c: AttentionState<V> = randomState(d, &r, lseRange: range)
        let left = AttentionState.merge(AttentionState.merge(a, b), c)
        let right = AttentionState.merge(a, AttentionState.merge(b, c))
        let bound = mergeBound([a, b, c, left, right], levels: 2)
        let dist = distance(left, right)
        #expect(dist.o <= bound.o, "o: \(dist.o) > \(bound.o)")
        #expect(dist.lse <= bound.lse, "lse: \(dist.lse) > \(bound.lse)")
      }
      check(Float.self)
      check(Double.self)
    }
  }

  /// Builds a random binary tree over `states[range]` and merges it.
  static func treeMerge<V: PortableElementaryFunctions>(
    _ states: [AttentionState<V>], _ range: Range<Int>, _ r: inout PhiloxDraws, depth: inout Int
  ) -> AttentionState<V> {
    if range.count == 1 { return states[range.lowerBound] }
    let cut = range.lowerBound + 1 + r.next(below: range.count - 1)
    var dl = 0
    var dr = 0
    let l = treeMerge(states, range.lowerBound..<cut, &r, depth: &dl)
    let rr = treeMerge(states, cut..<range.upperBound, &r, depth: &dr)
    depth = max(dl, dr) + 1
    return AttentionState.merge(l, rr)
  }

  /// The exact attention of one row with the given scores, through the library's oracle.
  static func exactRow(scores: [Double], values: [Double], d: Int) throws -> AttentionState<Double>
  {
    let n = scores.count
    let p = try AttentionProblem(
      requests: [.init(queryLength: 1, kvLength: n)], queryHeads: 1, kvHeads: 1, headDim: d,
      scale: 1)
    var q = [Double](repeating: 0, count: d)
    q[0] = 1  // q · k_j = k_j[0] = s_j
    var k = [Double](repeating: 0, count: n * d)
    for j in 0..<n { k[j * d] = scores[j] }
    let x = try AttentionInputs(
      problem: p, queries: Tensor(shape: [1, 1, d], storage: q),
      keys: Tensor(shape: [n, 1, d], storage: k),
      values: Tensor(shape: [n, 1, d], storage: values))
    let out = ExactAttention.compute(x, in: Double.self)
    return try AttentionState(output: out.output.storage, logSumExp: out.logSumExp.storage[0])
  }

  @Test(
    "Split invariance: any cuts (empty pieces too), any tree, equal the whole row and exact attention"
  )
  func splitInvariance() async throws {
    let gen = zip(
      Gen.int(in: 1...8), Gen.int(in: 1...200), Gen.int(in: 1...12), Gen.double(in: 0...40),
      Gen.uint64(in: 0...UInt64.max))
    await propertyCheck(count: 300, input: gen) { d, n, pieces, spread, seed in
      var r = PhiloxDraws(seed: seed, stream: 7)
      let scores = (0..<n).map { _ in r.uniform(-spread, spread) }
      let values = (0..<(n * d)).map { _ in r.uniform(-2, 2) }
      // Random cut points, repeats allowed, so some pieces are empty.
      let cuts = ([0, n] + (0..<(pieces - 1)).map { _ in r.next(below: n + 1) }).sorted()
      var states: [AttentionState<Double>] = []
      for i in 0..<(cuts.count - 1) {
        let range = cuts[i]..<cuts[i + 1]
        states.append(
          try AttentionState(
            scores: Array(scores[range]),
            values: Array(values[(range.lowerBound * d)..<(range.upperBound * d)]), dimension: d))
      }
      var depth = 0
      let tree = Self.treeMerge(states, 0..<states.count, &r, depth: &depth)
      let whole = try AttentionState(scores: scores, values: values, dimension: d)
      let exact = try Self.exactRow(scores: scores, values: values, d: d)
      // Each piece's own sums add (n + 1)u; the tree adds a bound per level.
      let u = Double.ulpOfOne / 2
      let tb = mergeBound(states + [whole], levels: depth + 1)
      let bo = tb.o + Double(n + 2) * u * 4
      let bl = tb.lse + Double(n + 2) * u * (abs(whole.logSumExp) + 1)
      for other in [whole, exact] {
        let dist = distance(tree, other)
        #expect(dist.o <= bo, "o \(dist.o) > \(bo)")
        #expect(dist.lse <= bl, "lse \(dist.lse) > \(bl)")
      }
      let flat = AttentionState.merge(states, dimension: d)
      #expect(distance(flat, exact).o <= bo)
    }
  }

  @Test(
    "Extreme cases: all pieces empty; one piece holds all the mass; spread of 1e4; length-1 pieces; 10⁵ pieces"
  )
  func extremes() throws {
    let d = 3
    let empties = (0..<7).map { _ in
      try! AttentionState<Double>(scores: [], values: [], dimension: d)
    }
    #expect(AttentionState.merge(empties, dimension: d).isEmpty)
    #expect(empties.reduce(AttentionState.empty(dimension: d), AttentionState.merge).isEmpty)

    // One piece 1e4 above the others: the merge is that piece, bitwise.
    var r = PhiloxDraws(seed: 99, stream: 7)
    let heavy: AttentionState<Float> = try AttentionState(output: [1.5, -2, 0.25], logSumExp: 1e4)
    let light: [AttentionState<Float>] = (0..<5).map { _ in randomState(d, &r, lseRange: 10) }
    var acc = heavy
    for s in light { acc = AttentionState.merge(acc, s) }
    #expect(acc.output == heavy.output && acc.logSumExp == heavy.logSumExp)

    // Scores spread over 1e4 in Float32, pieces of length 1, against exact attention in Float64.
    let n = 400
    let scores = (0..<n).map { _ in r.uniform(-5e3, 5e3) }
    let values = (0..<(n * d)).map { _ in r.uniform(-1, 1) }
    let exact = try Self.exactRow(scores: scores, values: values, d: d)
    var fold = AttentionState<Float>.empty(dimension: d)
    var singles: [AttentionState<Float>] = []
    for j in 0..<n {
      let row: [Float] = values[(j * d)..<(j * d + d)].map { Float($0) }
      let s = try AttentionState<Float>(scores: [Float(scores[j])], values: row, dimension: d)
      singles.append(s)
      fold = AttentionState.merge(fold, s)
    }
    let u = Double(Float.ulpOfOne) / 2
    for merged in [fold, AttentionState.merge(singles, dimension: d)] {
      // Rounding the scores to Float moves them by u·5e3; the merges add u·(L + …) per level.
      let bound = 2 * u * 5e3 + mergeBound(singles, levels: 2).o
      #expect(zip(merged.output, exact.output).allSatisfy { abs(Double($0) - $1) <= bound })
      #expect(abs(Double(merged.logSumExp) - exact.logSumExp) <= 4 * u * 5e3)
    }

    // 10⁵ pieces in Double: a left fold and the one-pass merge against the whole row.
    let big = 100_000
    let bs = (0..<big).map { _ in r.uniform(-30, 30) }
    let bv = (0..<big).map { _ in r.uniform(-1, 1) }
    let whole = try AttentionState(scores: bs, values: bv, dimension: 1)
    let pieces = try (0..<big).map {
      try AttentionState<Double>(scores: [bs[$0]], values: [bv[$0]], dimension: 1)
    }
    let folded = pieces.reduce(AttentionState.empty(dimension: 1), AttentionState.merge)
    let onePass = AttentionState.merge(pieces, dimension: 1)
    let ub = Double.ulpOfOne / 2
    #expect(abs(folded.output[0] - whole.output[0]) <= Double(big) * ub * 200)
    #expect(abs(onePass.output[0] - whole.output[0]) <= Double(big) * ub * 4)
    #expect(abs(folded.logSumExp - whole.logSumExp) <= Double(big) * ub * 100)
  }

  @Test("Empty-state conventions: +inf is an error unless asked; NaN propagates and is detected")
  func conventions() throws {
    #expect(throws: AttentionError.self) {
      _ = try AttentionState<Float>(output: [1, 2], logSumExp: .infinity)
    }
    let fa2 = try AttentionState<Float>(
      output: [7, 7], logSumExp: .infinity, empty: .positiveInfinityIsEmpty)
    #expect(fa2.isEmpty && fa2.output == [0, 0] && fa2.logSumExp == -.infinity)
    let a = try AttentionState<Float>(output: [1, 2], logSumExp: 0.5)
    let poisoned = try AttentionState<Float>(output: [.nan, 0], logSumExp: 0.25)
    #expect(AttentionState.merge(a, poisoned).containsNaN)
    #expect(AttentionState.merge(poisoned, a).containsNaN)
    let nanLSE = try AttentionState<Float>(output: [1, 1], logSumExp: .nan)
    #expect(AttentionState.merge(a, nanLSE).containsNaN)
    #expect(AttentionState.merge([a, nanLSE], dimension: 2).containsNaN)
    // An "empty" state whose output holds NaN is not the identity: the NaN survives.
    let emptyNaN = try AttentionState<Float>(output: [.nan, 0], logSumExp: -.infinity)
    #expect(!emptyNaN.isEmpty && AttentionState.merge(a, emptyNaN).containsNaN)
    #expect(
      try AttentionState<Float>(scores: [1, .nan], values: [1, 2], dimension: 1).containsNaN)
    // Base 2 in, natural stored, base 2 out.
    let b2 = try AttentionState<Double>(output: [1], logSumExp: 3, base: .two)
    #expect(abs(b2.logSumExp - 3 * log(2.0)) <= 1e-15)
    #expect(abs(b2.logSumExp(base: .two) - 3) <= 1e-15)
  }

  @Test("No overflow for LSE ±1e30 in Float and ±1e300 in Double")
  func noOverflow() throws {
    let f1 = try AttentionState<Float>(output: [1], logSumExp: 1e30)
    let f2 = try AttentionState<Float>(output: [3], logSumExp: -1e30)
    let f = AttentionState.merge(f1, f2)
    #expect(f.output == [1] && f.logSumExp == 1e30)
    let g = AttentionState.merge(f1, try AttentionState<Float>(output: [3], logSumExp: 1e30))
    #expect(g.output == [2] && g.logSumExp.isFinite)
    let d1 = try AttentionState<Double>(output: [1], logSumExp: 1e300)
    let d2 = try AttentionState<Double>(output: [3], logSumExp: -1e300)
    #expect(AttentionState.merge(d1, d2).output == [1])
    let s = try AttentionState<Float>(
      scores: [1e30, -1e30, 1e30], values: [1, 5, 3], dimension: 1)
    #expect(s.output == [2] && s.logSumExp.isFinite)
  }

  @Test("Unnormalized (acc, m, l) form: exact from normalized, merges like the normalized form")
  func unnormalized() async {
    await propertyCheck(count: 300, input: cases) { d, range, seed in
      var r = PhiloxDraws(seed: seed, stream: 7)
      let a: AttentionState<Double> = randomState(d, &r, lseRange: range)
      let b: AttentionState<Double> = randomState(d, &r, lseRange: range)
      #expect(bits(UnnormalizedAttentionState(a).normalized) == bits(a))
      var ua = UnnormalizedAttentionState(a)
      ua.merge(UnnormalizedAttentionState(b))
      let dist = distance(ua.normalized, AttentionState.merge(a, b))
      let bound = mergeBound([a, b], levels: 2)
      #expect(dist.o <= bound.o && dist.lse <= bound.lse)
      var e = UnnormalizedAttentionState(AttentionState<Double>.empty(dimension: d))
      e.merge(UnnormalizedAttentionState(a))
      #expect(bits(e.normalized) == bits(a))
    }
  }

  @Test("Batched merges: split-major and indexed layouts equal exact attention")
  func batched() throws {
    let p = try AttentionProblem(
      requests: [
        .init(queryLength: 1, kvLength: 300), .init(queryLength: 1, kvLength: 0),
        .init(queryLength: 1, kvLength: 77),
      ],
      queryHeads: 4, kvHeads: 2, headDim: 8)
    let x = SeededInputs.contiguous(p, seed: 12, as: Double.self)
    let exact = ExactAttention.compute(x, in: Double.self)
    // Cut every request at fixed points; each piece is its own problem with the same queries.
    let cuts = [0, 100, 100, 250]  // the second split is empty
    let splits = cuts.count
    let tokens = p.totalQueryTokens
    var partO = [Double](repeating: 0, count: splits * tokens * 4 * 8)
    var partL = [Double](repeating: -.infinity, count: splits * tokens * 4)
    var b2 = partL
    guard case .contiguous(let k, let v) = x.keyValues else { return }
    for (s, lo) in cuts.enumerated() {
      let hi = s + 1 < cuts.count ? cuts[s + 1] : Int.max
      var reqs: [RequestShape] = []
      var kRows: [Double] = []
      var vRows: [Double] = []
      for b in 0..<p.batchSize {
        let n = p.requests[b].kvLength
        let range = min(lo, n)..<min(hi, n)
        reqs.append(.init(queryLength: 1, kvLength: range.count))
        let rowLen = 2 * 8
        kRows +=
          k.storage[
            ((p.kvOffsets[b] + range.lowerBound) * rowLen)..<((p.kvOffsets[b] + range.upperBound)
              * rowLen)]
        vRows +=
          v.storage[
            ((p.kvOffsets[b] + range.lowerBound) * rowLen)..<((p.kvOffsets[b] + range.upperBound)
              * rowLen)]
      }
      let sp = try AttentionProblem(requests: reqs, queryHeads: 4, kvHeads: 2, headDim: 8)
      let sx = try AttentionInputs(
        problem: sp, queries: x.queries,
        keys: Tensor(shape: [kRows.count / 16, 2, 8], storage: kRows),
        values: Tensor(shape: [vRows.count / 16, 2, 8], storage: vRows))
      let so = ExactAttention.compute(sx, in: Double.self)
      for i in 0..<(tokens * 4 * 8) { partO[s * tokens * 32 + i] = so.output.storage[i] }
      for i in 0..<(tokens * 4) {
        partL[s * tokens * 4 + i] = so.logSumExp.storage[i]
        b2[s * tokens * 4 + i] = LogBase.two.fromNatural(so.logSumExp.storage[i])
      }
    }
    let merged = try StateMerge.mergeSplits(
      partials: Tensor(shape: [splits, tokens, 4, 8], storage: partO),
      logSumExp: Tensor(shape: [splits, tokens, 4], storage: partL), in: Double.self)
    #expect(maxAbsDifference(merged.output.storage, exact.output.storage) <= 1e-14)
    #expect(maxAbsDifference(merged.logSumExp.storage, exact.logSumExp.storage) <= 1e-13)
    // The same partials, base 2 and re-laid as FlashInfer's indexed states (token-major).
    var states: [Double] = []
    var lses: [Double] = []
    var indptr: [Int32] = [0]
    for t in 0..<tokens {
      for s in 0..<splits {
        states += partO[((s * tokens + t) * 32)..<((s * tokens + t) * 32 + 32)]
        lses += b2[((s * tokens + t) * 4)..<((s * tokens + t) * 4 + 4)]
      }
      indptr.append(indptr.last! + Int32(splits))
    }
    let indexed = try StateMerge.mergeIndexed(
      states: Tensor(shape: [tokens * splits, 4, 8], storage: states),
      logSumExp: Tensor(shape: [tokens * splits, 4], storage: lses),
      indptr: indptr, base: .two, in: Double.self)
    #expect(maxAbsDifference(indexed.output.storage, exact.output.storage) <= 1e-14)
    // Float16 storage goes through conversion.
    let halfO: [Float16] = partO.map { Float16($0) }
    let floatL: [Float] = partL.map { Float($0) }
    let half = try StateMerge.mergeSplits(
      partials: Tensor(shape: [splits, tokens, 4, 8], storage: halfO),
      logSumExp: Tensor(shape: [splits, tokens, 4], storage: floatL), in: Float.self)
    #expect(maxAbsDifference(half.output.storage.map(Double.init), exact.output.storage) <= 4e-3)
    // Malformed inputs are typed errors.
    #expect(throws: AttentionError.self) {
      _ = try StateMerge.mergeSplits(
        partials: Tensor(shape: [1, 1, 1, 2], storage: [0.0, 0]),
        logSumExp: Tensor(shape: [1, 1, 1], storage: [Double.infinity]), in: Double.self)
    }
    #expect(throws: AttentionError.self) {
      _ = try StateMerge.mergeIndexed(
        states: Tensor(shape: [2, 1, 1], storage: [0.0, 0]),
        logSumExp: Tensor(shape: [2, 1], storage: [0.0, 0]), indptr: [0, 3], in: Double.self)
    }
  }
}
