/// The natural logarithm of a `Double` by fdlibm's method, within 1 ulp.
///
/// `x = 2ᵏ · (1 + f)` with `√2/2 < 1 + f < √2`; then with `s = f / (2 + f)`,
/// `log(1 + f) = f − f²/2 + s · (f²/2 + R(s²))`, `R` fdlibm's degree-14 Remez
/// polynomial, and `log x = k · ln 2 + log(1 + f)` with `ln 2` split in two so
/// that `k · ln2Hi` is exact. Very small `f` takes a short Taylor form.
enum PortableLog {
  static let ln2Hi = 6.931_471_803_691_238_164_90e-01  // 32 significant bits
  static let ln2Lo = 1.908_214_929_270_587_700_02e-10
  static let lg1 = 6.666_666_666_666_735_130e-01
  static let lg2 = 3.999_999_999_940_941_908e-01
  static let lg3 = 2.857_142_874_366_239_149e-01
  static let lg4 = 2.222_219_843_214_978_396e-01
  static let lg5 = 1.818_357_216_161_805_012e-01
  static let lg6 = 1.531_383_769_920_937_332e-01
  static let lg7 = 1.479_819_860_511_658_591e-01

  static func log(_ value: Double) -> Double {
    var x = value
    var hx = Int32(truncatingIfNeeded: Int64(bitPattern: x.bitPattern) >> 32)
    let lx = UInt32(truncatingIfNeeded: x.bitPattern)
    var k: Int32 = 0
    if hx < 0x0010_0000 {  // x < 2⁻¹⁰²², zero, negative or NaN with the sign bit
      if (hx & 0x7fff_ffff) | Int32(bitPattern: lx) == 0 { return -.infinity }
      if hx < 0 { return .nan }
      k -= 54
      x *= 18_014_398_509_481_984.0  // 2⁵⁴: subnormals become normal
      hx = Int32(truncatingIfNeeded: Int64(bitPattern: x.bitPattern) >> 32)
    }
    if hx >= 0x7ff0_0000 { return x + x }  // +∞ or NaN
    k += (hx >> 20) - 1023
    hx &= 0x000f_ffff
    let i = (hx &+ 0x95f64) & 0x0010_0000
    // Normalize the mantissa into [√2/2, √2).
    let high = UInt64(UInt32(bitPattern: hx | (i ^ 0x3ff0_0000)))
    x = Double(bitPattern: (high << 32) | (x.bitPattern & 0xffff_ffff))
    k += i >> 20
    let f = x - 1
    let dk = Double(k)
    if (0x000f_ffff & (2 &+ hx)) < 3 {  // |f| < 2⁻²⁰
      if f == 0 { return k == 0 ? 0 : dk * ln2Hi + dk * ln2Lo }
      let r = f * f * (0.5 - 0.333_333_333_333_333_33 * f)
      return k == 0 ? f - r : dk * ln2Hi - ((r - dk * ln2Lo) - f)
    }
    let s = f / (2 + f)
    let z = s * s
    let w = z * z
    let t1 = w * (lg2 + w * (lg4 + w * lg6))
    let t2 = z * (lg1 + w * (lg3 + w * (lg5 + w * lg7)))
    let r = t2 + t1
    if ((hx &- 0x6147a) | (0x6b851 &- hx)) > 0 {
      let hfsq = 0.5 * f * f
      if k == 0 { return f - (hfsq - s * (hfsq + r)) }
      return dk * ln2Hi - ((hfsq - (s * (hfsq + r) + dk * ln2Lo)) - f)
    }
    if k == 0 { return f - s * (f - r) }
    return dk * ln2Hi - ((s * (f - r) - dk * ln2Lo) - f)
  }
}
