import LeanAttention
import LeanAttentionCUDA
import Testing

/// `bench cuda`'s oracle rule on hand-made outputs: no GPU. Every expected
/// number comes from the rule as written here, never from the code under test.
@Suite("bench cuda's oracle rule (no GPU needed)")
struct DecodeBenchmarkOracleTests {
  /// The allowance of the rule, written out: two units of the output type's
  /// rounding of the reference value plus the absolute allowance.
  static func allowance(_ reference: Double, unit: Double, absolute: Double) -> Double {
    2 * unit * abs(reference) + absolute
  }

  /// A reference value `r` below `got` with `got − r` exactly the allowance
  /// of `r` in Float64, found by walking the doubles down from above the
  /// real solution `(got − a) / (1 + 2u)`. With `r` and `got − r` about the
  /// size of `a`, the difference steps through every double there, so it
  /// meets the allowance exactly.
  static func edge(got: Double, unit: Double, absolute: Double) -> Double? {
    var r = (got - absolute) / (1 + 2 * unit)
    for _ in 0..<2000 { r = r.nextUp }
    for _ in 0..<4000 {
      if got - r == allowance(r, unit: unit, absolute: absolute) { return r }
      r = r.nextDown
    }
    return nil
  }

  /// The first double below `r` at which `got − r` exceeds its allowance.
  static func beyond(_ r: Double, got: Double, unit: Double, absolute: Double) -> Double {
    var b = r.nextDown
    while !(got - b > allowance(b, unit: unit, absolute: absolute)) { b = b.nextDown }
    return b
  }

  /// Three rows of D = 4; rows 0 and 2 are the reference's. Every element is
  /// exact but row 2's first, which is `first` against the reference `firstRef`.
  static func case3x4(
    first: UInt16, firstRef: Double, one: UInt16, half: UInt16, lse: Float = 1.5,
    referenceLSE: Double = 1.5
  ) -> (bits: [UInt16], lse: [Float], reference: [DecodeBenchmark.ReferenceRow]) {
    let row = [one, half, one, half]
    var bits = row + row + row
    bits[8] = first
    let reference = [
      DecodeBenchmark.ReferenceRow(row: 0, output: [1, 0.5, 1, 0.5], logSumExp: 1.5),
      DecodeBenchmark.ReferenceRow(
        row: 2, output: [firstRef, 0.5, 1, 0.5], logSumExp: referenceLSE),
    ]
    return (bits, [1.5, 1.5, lse], reference)
  }

  @Test(arguments: [
    // (dtype, u, a, bits of 1.0, bits of 0.5, a small value near 2a and its bits)
    (
      DecodeBenchmark.ElementType.f16, 0x1p-11, 1e-3, UInt16(0x3C00), UInt16(0x3800), 0x1p-9,
      UInt16(0x1800)
    ),
    (
      DecodeBenchmark.ElementType.bf16, 0x1p-8, 8e-3, UInt16(0x3F80), UInt16(0x3F00), 0x1p-6,
      UInt16(0x3C80)
    ),
  ])
  func anErrorExactlyAtTheAllowancePassesAndJustAboveFails(
    dtype: DecodeBenchmark.ElementType, unit: Double, absolute: Double, one: UInt16, half: UInt16,
    got: Double, gotBits: UInt16
  ) throws {
    let r = try #require(Self.edge(got: got, unit: unit, absolute: absolute))
    let allowed = Self.allowance(r, unit: unit, absolute: absolute)
    let at = Self.case3x4(first: gotBits, firstRef: r, one: one, half: half)
    let verdict = DecodeBenchmark.judge(
      outputBits: at.bits, logSumExp: at.lse, against: at.reference, dtype: dtype)
    #expect(verdict.maxAbsError == got - r)
    #expect(verdict.errorLimit == allowed)
    #expect(verdict.passed)

    // The next reference value down whose |ΔO| exceeds its allowance.
    let beyond = Self.beyond(r, got: got, unit: unit, absolute: absolute)
    let above = Self.case3x4(first: gotBits, firstRef: beyond, one: one, half: half)
    let failed = DecodeBenchmark.judge(
      outputBits: above.bits, logSumExp: above.lse, against: above.reference, dtype: dtype)
    #expect(failed.maxAbsError == got - beyond)
    #expect(failed.errorLimit == Self.allowance(beyond, unit: unit, absolute: absolute))
    #expect(!failed.passed)
  }

  @Test func aNaNOutputFailsWhereverItIs() {
    // F16 quiet NaN in row 2's first element, then exact elements after it.
    let c = Self.case3x4(first: 0x7E00, firstRef: 1, one: 0x3C00, half: 0x3800)
    let verdict = DecodeBenchmark.judge(
      outputBits: c.bits, logSumExp: c.lse, against: c.reference, dtype: .f16)
    #expect(verdict.maxAbsError.isNaN)
    #expect(!verdict.passed)
  }

  @Test func theLogSumExpMustAgreeToOneInTenThousand() {
    func verdict(_ lse: Float, reference: Double) -> DecodeBenchmark.OracleVerdict {
      let c = Self.case3x4(
        first: 0x3C00, firstRef: 1, one: 0x3C00, half: 0x3800, lse: lse, referenceLSE: reference)
      return DecodeBenchmark.judge(
        outputBits: c.bits, logSumExp: c.lse, against: c.reference, dtype: .f16)
    }
    // 2e-4 relative off: |Δ| ≈ 2e-3 > 1e-4 · max(1, 10).
    let off = Float(10 * (1 + 2e-4))
    #expect(abs(Double(off) - 10) > 1e-4 * max(1, 10))
    #expect(!verdict(off, reference: 10).passed)
    #expect(verdict(off, reference: 10).maxAbsError.isNaN)
    // 5e-5 relative off: within.
    let near = Float(10 * (1 + 5e-5))
    #expect(abs(Double(near) - 10) <= 1e-4 * max(1, 10))
    #expect(verdict(near, reference: 10).passed)
    // Below 1 in magnitude the bound is absolute 1e-4.
    #expect(verdict(Float(0.5 + 2e-4), reference: 0.5).passed == false)
    #expect(verdict(Float(0.5 + 5e-5), reference: 0.5).passed)
    // A row with no visible key: −∞ on both sides agrees; NaN never does.
    #expect(verdict(-.infinity, reference: -.infinity).passed)
    #expect(!verdict(.nan, reference: 1.5).passed)
  }

  /// The limit is the allowance at the element furthest beyond its own
  /// allowance, which need not be the element of the largest |ΔO|.
  @Test func theLimitIsTheAllowanceOfTheTightestElement() {
    let u = 0x1p-11
    let a = 1e-3
    // Element 0: 0.5 against 0.49 (|Δ| 0.01, far beyond its allowance);
    // element 1: 60.0625 against 60 (|Δ| 0.0625, just beyond a larger allowance).
    let bits = [Float16(0.5).bitPattern, Float16(60.0625).bitPattern]
    let reference = [DecodeBenchmark.ReferenceRow(row: 0, output: [0.49, 60], logSumExp: 0)]
    let excess0 = abs(0.5 - 0.49) - Self.allowance(0.49, unit: u, absolute: a)
    let excess1 = abs(60.0625 - 60) - Self.allowance(60, unit: u, absolute: a)
    #expect(excess0 > excess1 && excess1 > 0)
    let verdict = DecodeBenchmark.judge(
      outputBits: bits, logSumExp: [0], against: reference, dtype: .f16)
    #expect(verdict.maxAbsError == 0.0625)
    #expect(verdict.errorLimit == Self.allowance(0.49, unit: u, absolute: a))
    #expect(!verdict.passed)

    // All within: the limit is the tightest element's allowance (0.5 against
    // 0.4995), raised to the largest |ΔO| if that is larger.
    let within = [DecodeBenchmark.ReferenceRow(row: 0, output: [0.4995, 60.0625], logSumExp: 0)]
    let passing = DecodeBenchmark.judge(
      outputBits: bits, logSumExp: [0], against: within, dtype: .f16)
    #expect(passing.maxAbsError == abs(0.5 - 0.4995))
    #expect(passing.errorLimit == Self.allowance(0.4995, unit: u, absolute: a))
    #expect(passing.passed)

    // All within, but the largest |ΔO| (60.03125 against 60) exceeds the
    // tightest element's allowance (0.5 against 0.5): the limit is raised to it.
    let raised = [Float16(0.5).bitPattern, Float16(60.03125).bitPattern]
    let exact = [DecodeBenchmark.ReferenceRow(row: 0, output: [0.5, 60], logSumExp: 0)]
    #expect(0.03125 > Self.allowance(0.5, unit: u, absolute: a))
    #expect(0.03125 <= Self.allowance(60, unit: u, absolute: a))
    let r = DecodeBenchmark.judge(outputBits: raised, logSumExp: [0], against: exact, dtype: .f16)
    #expect(r.maxAbsError == 0.03125 && r.errorLimit == 0.03125 && r.passed)
  }

  @Test func aReferenceRowOutsideTheOutputFails() {
    let reference = [DecodeBenchmark.ReferenceRow(row: 1, output: [0.5, 0.5], logSumExp: 0)]
    let verdict = DecodeBenchmark.judge(
      outputBits: [0x3800, 0x3800], logSumExp: [0], against: reference, dtype: .f16)
    #expect(!verdict.passed)
    #expect(
      DecodeBenchmark.judge(outputBits: [], logSumExp: [], against: [], dtype: .f16).passed,
      "no rows: nothing to disagree with")
  }
}
