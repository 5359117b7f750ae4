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
    guard abs(x) <= domain else { return (.nan, .nan) }
    if abs(x) <= 0.785_398_163_397_448_279 {  // π/4: no reduction
      return (kernelSin(x, 0), kernelCos(x, 0))
    }
    let n = (x * invPio2).rounded(.toNearestOrEven)
    // x − n·pio2_1 is exact. When the result cancels many bits, the next
    // pieces of π/2 are subtracted too, as fdlibm's __ieee754_rem_pio2 does,
    // each subtraction's rounding error kept in `w`.
    var r = x - n * pio2_1
    var w = n * pio2_1t
    var y0 = r - w
    let exponent = Int((abs(x).bitPattern >> 52) & 0x7ff)
    func lost(_ y: Double) -> Int { exponent - Int((y.bitPattern >> 52) & 0x7ff) }
    if lost(y0) > 16 {
      var t = r
      w = n * pio2_2
      r = t - w
      w = n * pio2_2t - ((t - r) - w)
      y0 = r - w
      if lost(y0) > 49 {
        t = r
        w = n * pio2_3
        r = t - w
        w = n * pio2_3t - ((t - r) - w)
        y0 = r - w
      }
    }
    let y1 = (r - y0) - w
    let s = kernelSin(y0, y1)
    let c = kernelCos(y0, y1)
    switch Int(n) & 3 {
    case 0: return (s, c)
    case 1: return (c, -s)
    case 2: return (-s, -c)
    default: return (-c, s)
    }
  }

  /// sin(x + y) for |x| ≤ π/4, |y| ≤ ulp(x)/2: fdlibm's __kernel_sin.
  static func kernelSin(_ x: Double, _ y: Double) -> Double {
    let s1 = -1.666_666_666_666_663_243_48e-01
    let s2 = 8.333_333_333_322_489_461_24e-03
    let s3 = -1.984_126_982_985_794_931_34e-04
    let s4 = 2.755_731_370_707_006_767_89e-06
    let s5 = -2.505_076_025_340_686_341_95e-08
    let s6 = 1.589_690_995_211_550_102_21e-10
    if abs(x) < 0x1p-27 { return x }  // sin x rounds to x
    let z = x * x
    let v = z * x
    let r = s2 + z * (s3 + z * (s4 + z * (s5 + z * s6)))
    return x - ((z * (0.5 * y - v * r) - y) - v * s1)
  }

  /// cos(x + y) for |x| ≤ π/4, |y| ≤ ulp(x)/2: fdlibm's __kernel_cos.
  static func kernelCos(_ x: Double, _ y: Double) -> Double {
    let c1 = 4.166_666_666_666_660_190_37e-02
    let c2 = -1.388_888_888_887_410_957_49e-03
    let c3 = 2.480_158_728_947_672_941_78e-05
    let c4 = -2.755_731_435_139_066_330_35e-07
    let c5 = 2.087_572_321_298_174_827_90e-09
    let c6 = -1.135_964_755_778_819_482_65e-11
    let ax = abs(x)
    if ax < 0x1p-27 { return 1 }  // cos x rounds to 1
    let z = x * x
    let r = z * (c1 + z * (c2 + z * (c3 + z * (c4 + z * (c5 + z * c6)))))
    if ax < 0.3 { return 1 - (0.5 * z - (z * r - x * y)) }
    // cos x = (1 − qx) − ((z/2 − qx) − (z·r − x·y)) with qx ≈ x²/4 held in
    // few bits, so that 1 − qx and z/2 − qx are exact.
    let qx: Double
    if ax > 0.781_25 {
      qx = 0.281_25
    } else {
      let high = (ax.bitPattern >> 32) &- 0x0020_0000  // x / 4, low word cleared
      qx = Double(bitPattern: high << 32)
    }
    let hz = 0.5 * z - qx
    let a = 1 - qx
    return a - (hz - (z * r - x * y))
  }
}
