/// The natural logarithm of `Double`s by fdlibm's method, within 1 ulp.
///
/// `x = 2ᵏ · (1 + f)` with `√2/2 < 1 + f < √2`; then with `s = f / (2 + f)`,
/// `log(1 + f) = f − f²/2 + s · (f²/2 + R(s²))`, `R` fdlibm's degree-14 Remez
/// polynomial, and `log x = k · ln 2 + log(1 + f)` with `ln 2` split in two so
/// that `k · ln2Hi` is exact. Very small `f` takes a short Taylor form.
///
/// Four lanes at a time, each lane computing exactly what fdlibm's scalar
/// code computes for it (its branches become per-lane selections), so one
/// lane of ``log4(_:)`` is the scalar function.
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

  static func log(_ x: Double) -> Double { log4(SIMD4(repeating: x))[0] }

  static func log4(_ value: SIMD4<Double>) -> SIMD4<Double> {
    typealias V = SIMD4<Double>
    typealias I = SIMD4<Int64>
    let rawBits = unsafeBitCast(value, to: SIMD4<UInt64>.self)
    // Subnormals (and zeros) are scaled by 2⁵⁴ first; zeros, negatives, ∞
    // and NaN are replaced at the end.
    let subnormal = (rawBits & 0x7ff0_0000_0000_0000) .== 0
    let x0 = value.replacing(with: value * 18_014_398_509_481_984.0, where: subnormal)
    let bits = unsafeBitCast(x0, to: SIMD4<UInt64>.self)
    var hx = I(truncatingIfNeeded: (bits &>> 32) & 0x7fff_ffff)
    var k = (hx &>> 20) &- 1023
    k.replace(with: k &- 54, where: subnormal)
    hx &= 0x000f_ffff
    let i = (hx &+ 0x95f64) & 0x0010_0000
    // Normalize the mantissa into [√2/2, √2).
    let high = SIMD4<UInt64>(truncatingIfNeeded: hx | (i ^ 0x3ff0_0000))
    let x = unsafeBitCast((high &<< 32) | (bits & 0xffff_ffff), to: V.self)
    k &+= i &>> 20
    let f = x - 1
    // Double(k) through the bits of k + 1.5·2⁵² (|k| < 1100): exact, and
    // unlike the generic SIMD conversion it compiles to a few vector operations.
    let magic = 6_755_399_441_055_744.0
    let dk =
      unsafeBitCast(
        SIMD4<UInt64>(truncatingIfNeeded: k) &+ magic.bitPattern, to: V.self) - magic
    let kIsZero = k .== 0
    // |f| < 2⁻²⁰: a short Taylor form.
    let r0 = f * f * (0.5 - 0.333_333_333_333_333_33 * f)
    var tiny = (dk * ln2Hi - ((r0 - dk * ln2Lo) - f)).replacing(with: f - r0, where: kIsZero)
    let exact = (dk * ln2Hi + dk * ln2Lo).replacing(with: 0, where: kIsZero)
    tiny.replace(with: exact, where: f .== 0)
    // Otherwise the Remez form, in two arrangements depending on the mantissa.
    let s = f / (2 + f)
    let z = s * s
    let w = z * z
    let t1 = w * (lg2 + w * (lg4 + w * lg6))
    let t2 = z * (lg1 + w * (lg3 + w * (lg5 + w * lg7)))
    let r = t2 + t1
    let hfsq = 0.5 * f * f
    let a = (dk * ln2Hi - ((hfsq - (s * (hfsq + r) + dk * ln2Lo)) - f))
      .replacing(with: f - (hfsq - s * (hfsq + r)), where: kIsZero)
    let b = (dk * ln2Hi - ((s * (f - r) - dk * ln2Lo) - f))
      .replacing(with: f - s * (f - r), where: kIsZero)
    var result = b.replacing(with: a, where: ((hx &- 0x6147a) | (0x6b851 &- hx)) .> 0)
    result.replace(with: tiny, where: ((2 &+ hx) & 0x000f_ffff) .< 3)
    // Special values: log(±0) = −∞, log(x < 0) = NaN, log(+∞) = +∞, NaN stays NaN.
    result.replace(
      with: value + value, where: (rawBits & 0x7ff0_0000_0000_0000) .== 0x7ff0_0000_0000_0000)
    result.replace(with: .nan, where: value .< 0)
    result.replace(with: -.infinity, where: value .== 0)
    return result
  }
}
