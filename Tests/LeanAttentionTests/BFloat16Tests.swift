import LeanAttention
import LeanAttentionGolden
import Testing

@Suite("BFloat16")
struct BFloat16Tests {
  /// The nearest bfloat16 to `x`, ties to even, found by comparing the two
  /// neighbours in exact Double arithmetic (both neighbours and x are exact in Double).
  static func nearest(_ x: Double) -> UInt16? {
    guard x.isFinite else { return nil }
    // All bf16 values are Floats; step through bit patterns near the truncation.
    let t = UInt16(truncatingIfNeeded: Float(x).bitPattern >> 16)
    var best: (UInt16, Double)? = nil
    for delta in -2...2 {
      let bits = UInt16(truncatingIfNeeded: Int(t) + delta)
      let v = Double(Float(bitPattern: UInt32(bits) << 16))
      guard v.isFinite else { continue }
      let e = abs(v - x)
      if let b = best {
        if e < b.1 || (e == b.1 && bits & 1 == 0) { best = (bits, e) }
      } else {
        best = (bits, e)
      }
    }
    return best?.0
  }

  @Test("Float → bf16 rounds to nearest even, on random finite values")
  func randomFloats() {
    let gen = Philox4x32(seed: 42)
    for n in 0..<20000 {
      let x = gen.block((UInt32(n), 0, 0, 0))
      let f = Float(bitPattern: x.0)
      guard f.isFinite, abs(f) < 3.38e38 else { continue }
      #expect(BFloat16(f).bitPattern == Self.nearest(Double(f)), "\(f)")
    }
  }

  @Test("Double → bf16 does not round twice")
  func noDoubleRounding() {
    // 1 + 2⁻⁸ + 2⁻³⁰ lies just above the midpoint of 1 and 1 + 2⁻⁷; through a
    // round-to-nearest Float it would become the midpoint and round to 1.
    let x = 1 + 0x1p-8 + 0x1p-30
    #expect(BFloat16(x).float == 1 + 0x1p-7)
    #expect(BFloat16(Float(x)).float == 1)
    #expect(BFloat16(-x).float == -(1 + 0x1p-7))
    let gen = Philox4x32(seed: 7)
    for n in 0..<20000 {
      let b = gen.block((UInt32(n), 1, 0, 0))
      let bits = UInt64(b.0) << 32 | UInt64(b.1)
      // Doubles in Float's range: keep the exponent moderate.
      let d = Double(
        bitPattern: (bits & 0x800F_FFFF_FFFF_FFFF) | (UInt64(1023 - 60 + Int(b.2 % 120)) << 52))
      #expect(BFloat16(d).bitPattern == Self.nearest(d), "\(d)")
    }
  }

  @Test("NaN stays NaN, infinities and overflow")
  func specials() {
    #expect(BFloat16(Float.nan).isNaN)
    // A signalling NaN whose payload sits only in the low 16 bits must not become infinity.
    #expect(BFloat16(Float(bitPattern: 0x7F80_0001)).isNaN)
    #expect(BFloat16(Float(bitPattern: 0xFF80_0001)).isNaN)
    #expect(BFloat16(Double.nan).isNaN)
    #expect(BFloat16(Float.infinity).bitPattern == 0x7F80)
    #expect(BFloat16(-Double.infinity).bitPattern == 0xFF80)
    #expect(BFloat16(Float.greatestFiniteMagnitude).bitPattern == 0x7F80)
    #expect(BFloat16(1e300).bitPattern == 0x7F80)
    #expect(BFloat16(Float(0x1.FEp127)).bitPattern == 0x7F7F)
    #expect(BFloat16(-0.0 as Float).bitPattern == 0x8000)
    #expect(BFloat16(1e-300).bitPattern == 0x0000)
  }
}
