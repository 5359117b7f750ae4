import LeanAttention
import Testing

/// `Float16(nearestTo:)`, the bit-level rounding golden inputs use, against
/// the standard library's own conversion.
@Suite("Float16 rounding from Double")
struct Float16RoundingTests {
  static func same(_ x: Double) -> Bool {
    let mine = Float16(nearestTo: x)
    let reference = Float16(x)
    return mine.bitPattern == reference.bitPattern || (mine.isNaN && reference.isNaN)
  }

  @Test("Agrees with Float16(_:) on random doubles of every relevant exponent")
  func random() {
    var state: UInt64 = 0x853C_49E6_748F_EA9B
    var failures: [Double] = []
    for _ in 0..<2_000_000 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      // Exponents −30…+20 around the Float16 range, random fraction and sign.
      let exponent = UInt64(1023 - 30 + Int((state >> 58) % 51))
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let bits = (state & 0x8000_0000_0000_0000) | exponent << 52 | (state >> 12)
      let x = Double(bitPattern: bits)
      if !Self.same(x) { failures.append(x) }
    }
    #expect(failures.isEmpty, "first disagreements: \(failures.prefix(5))")
  }

  @Test("Agrees on ties, boundaries and special values")
  func edges() {
    var xs: [Double] = [0, -0.0, .infinity, -.infinity, .nan, 65504, 65519.99, 65520, 65536, 1e300]
    // Every Float16 value and the midpoints (ties) around it, both signs.
    for bits in UInt16(0)..<0x7c00 {
      let v = Double(Float16(bitPattern: bits))
      let next = Double(Float16(bitPattern: bits + 1))
      xs += [v, -v, (v + next) / 2, -(v + next) / 2, v.nextUp, ((v + next) / 2).nextDown]
    }
    let bad = xs.filter { !Self.same($0) }
    #expect(bad.isEmpty, "disagreements: \(bad.prefix(5))")
  }
}
