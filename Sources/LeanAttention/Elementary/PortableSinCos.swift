/// Sine and cosine of a `Double` by fdlibm's method, within 1 ulp, the same bits on every machine.
///
/// The argument is reduced to `x = n · π/2 + y` with `|y| ≤ π/4`, carried as
/// a head and a tail: `π/2` is taken in three pieces of 33 significant bits,
/// so each `n · piece` is exact and the reduction loses nothing to
/// cancellation near multiples of `π/2`. The reduced sine and cosine are
/// fdlibm's degree-13 and degree-14 polynomials, which take the tail into
/// account; the quadrant `n mod 4` picks and negates them.
///
/// The domain is `|x| ≤ 2¹⁹ · π/2` (about 823 550), where three pieces of
/// `π/2` suffice; outside it, and for ±∞ and NaN, both results are NaN.
/// Golden inputs only need `[0, 2π)`.
public enum PortableSinCos {
  /// The largest `|x|` handled.
  public static let domain = 0x1p19 * 1.570_796_326_794_896_558

  static let invPio2 = 6.366_197_723_675_813_824_33e-01
  static let pio2_1 = 1.570_796_326_734_125_614_17e+00
  static let pio2_1t = 6.077_100_506_506_192_249_32e-11
  static let pio2_2 = 6.077_100_506_303_965_976_60e-11
  static let pio2_2t = 2.022_266_248_795_950_631_54e-21
  static let pio2_3 = 2.022_266_248_711_166_455_80e-21
  static let pio2_3t = 8.478_427_660_368_899_569_97e-32

  /// `(sin x, cos x)`.
  ///
  /// - Complexity: O(1).
  public static func sinCos(_ x: Double) -> (sin: Double, cos: Double) {
    let (s, c) = sinCos4(SIMD4(repeating: x))
    return (s[0], c[0])
  }

  /// `(sin x, cos x)` of four values, each lane computing exactly what the
  /// scalar method computes for it: its branches become per-lane selections.
  ///
  /// - Complexity: O(1).
  public static func sinCos4(_ x: SIMD4<Double>) -> (sin: SIMD4<Double>, cos: SIMD4<Double>) {
    typealias V = SIMD4<Double>
    typealias I = SIMD4<Int64>
    let inDomain = magnitude(x) .<= SIMD4(repeating: domain)  // false for NaN
    let n = (x * invPio2).rounded(.toNearestOrEven).replacing(with: 0, where: .!inDomain)
    // x − n·pio2_1 is exact. When the result cancels many bits, the next
    // pieces of π/2 are subtracted too, as fdlibm's __ieee754_rem_pio2 does,
    // each subtraction's rounding error kept in `w`. (For |x| ≤ π/4, n = 0
    // and this leaves y0 = x, y1 = 0 exactly.)
    func exponent(_ v: V) -> I {
      I(truncatingIfNeeded: (unsafeBitCast(v, to: SIMD4<UInt64>.self) &>> 52) & 0x7ff)
    }
    let e = exponent(x)
    var r = x - n * pio2_1
    var w = n * pio2_1t
    var y0 = r - w
    let second = e &- exponent(y0) .> 16
    var t = r
    let w2 = n * pio2_2
    let r2 = t - w2
    let w2b = n * pio2_2t - ((t - r2) - w2)
    let y02 = r2 - w2b
    let third = second .& (e &- exponent(y02) .> 49)
    t = r2
    let w3 = n * pio2_3
    let r3 = t - w3
    let w3b = n * pio2_3t - ((t - r3) - w3)
    let y03 = r3 - w3b
    r.replace(with: r2, where: second)
    w.replace(with: w2b, where: second)
    y0.replace(with: y02, where: second)
    r.replace(with: r3, where: third)
    w.replace(with: w3b, where: third)
    y0.replace(with: y03, where: third)
    let y1 = (r - y0) - w
    let s = kernelSin(y0, y1)
    let c = kernelCos(y0, y1)
    // n mod 4 from the bits of n + 1.5·2⁵² (exact for |n| < 2⁵¹); a
    // generic Int64(Double) conversion was a tenth of drawing golden inputs.
    let quadrant = I(
      truncatingIfNeeded: unsafeBitCast(n + 6_755_399_441_055_744.0, to: SIMD4<UInt64>.self) & 3)
    var sine = s
    var cosine = c
    sine.replace(with: c, where: quadrant .== 1)
    cosine.replace(with: -s, where: quadrant .== 1)
    sine.replace(with: -s, where: quadrant .== 2)
    cosine.replace(with: -c, where: quadrant .== 2)
    sine.replace(with: -c, where: quadrant .== 3)
    cosine.replace(with: s, where: quadrant .== 3)
    sine.replace(with: V(repeating: .nan), where: .!inDomain)
    cosine.replace(with: V(repeating: .nan), where: .!inDomain)
    return (sine, cosine)
  }

  /// sin(x + y) for |x| ≤ π/4, |y| ≤ ulp(x)/2: fdlibm's __kernel_sin.
  static func kernelSin(_ x: SIMD4<Double>, _ y: SIMD4<Double>) -> SIMD4<Double> {
    let s1 = -1.666_666_666_666_663_243_48e-01
    let s2 = 8.333_333_333_322_489_461_24e-03
    let s3 = -1.984_126_982_985_794_931_34e-04
    let s4 = 2.755_731_370_707_006_767_89e-06
    let s5 = -2.505_076_025_340_686_341_95e-08
    let s6 = 1.589_690_995_211_550_102_21e-10
    let z = x * x
    let v = z * x
    var r: SIMD4<Double> = s5 + z * s6
    r = s4 + z * r
    r = s3 + z * r
    r = s2 + z * r
    let inner: SIMD4<Double> = z * (0.5 * y - v * r) - y
    let result: SIMD4<Double> = x - (inner - v * s1)
    return result.replacing(with: x, where: magnitude(x) .< 0x1p-27)  // sin x rounds to x
  }

  /// cos(x + y) for |x| ≤ π/4, |y| ≤ ulp(x)/2: fdlibm's __kernel_cos.
  static func kernelCos(_ x: SIMD4<Double>, _ y: SIMD4<Double>) -> SIMD4<Double> {
    let c1 = 4.166_666_666_666_660_190_37e-02
    let c2 = -1.388_888_888_887_410_957_49e-03
    let c3 = 2.480_158_728_947_672_941_78e-05
    let c4 = -2.755_731_435_139_066_330_35e-07
    let c5 = 2.087_572_321_298_174_827_90e-09
    let c6 = -1.135_964_755_778_819_482_65e-11
    let ax = magnitude(x)
    let z = x * x
    var poly: SIMD4<Double> = c5 + z * c6
    poly = c4 + z * poly
    poly = c3 + z * poly
    poly = c2 + z * poly
    poly = c1 + z * poly
    let r = z * poly
    let tail: SIMD4<Double> = z * r - x * y
    let near: SIMD4<Double> = 1 - (0.5 * z - tail)
    // cos x = (1 − qx) − ((z/2 − qx) − (z·r − x·y)) with qx ≈ x²/4 held in
    // few bits, so that 1 − qx and z/2 − qx are exact.
    let high = (unsafeBitCast(ax, to: SIMD4<UInt64>.self) &>> 32) &- 0x0020_0000  // x / 4, low word cleared
    var qx = unsafeBitCast(high &<< 32, to: SIMD4<Double>.self)
    qx.replace(with: 0.281_25, where: ax .> 0.781_25)
    let hz: SIMD4<Double> = 0.5 * z - qx
    let a: SIMD4<Double> = 1 - qx
    var result: SIMD4<Double> = a - (hz - tail)
    result.replace(with: near, where: ax .< 0.3)
    result.replace(with: 1, where: ax .< 0x1p-27)  // cos x rounds to 1
    return result
  }

  /// `|x|`, lane by lane.
  @inline(__always)
  static func magnitude(_ x: SIMD4<Double>) -> SIMD4<Double> {
    unsafeBitCast(
      unsafeBitCast(x, to: SIMD4<UInt64>.self) & 0x7fff_ffff_ffff_ffff, to: SIMD4<Double>.self)
  }
}
