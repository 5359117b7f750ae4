/// The hyperbolic tangent of a `Double` from the library's own `exp` and `log`, within 5 ulp.
///
/// fdlibm's formulas: `tanh x = −t / (t + 2)` with `t = expm1(−2|x|)` for
/// `|x| < 1`, and `1 − 2 / (t + 2)` with `t = expm1(2|x|)` for `1 ≤ |x| < 22`,
/// where `tanh x` rounds to ±1. `expm1` is Kahan's: `u = eʸ`,
/// `expm1 y = (u − 1) · y / log u`, whose rounding errors largely cancel (measured: at most 4.4 ulp in tanh)
/// when `exp` and `log` are accurate.
enum PortableTanh {
  static func tanh(_ x: Double) -> Double {
    if x.isNaN { return x }
    let a = abs(x)
    let result: Double
    if a < 0x1p-28 {
      return x  // tanh x = x(1 − x²/3 + …), and x²/3 < 2⁻⁵⁶
    } else if a < 1 {
      let t = expm1(-2 * a)
      result = -t / (t + 2)
    } else if a < 22 {
      let t = expm1(2 * a)
      result = 1 - 2 / (t + 2)
    } else {
      result = 1
    }
    return x < 0 ? -result : result
  }

  /// `eʸ − 1` by Kahan's method; `y` is finite and `|y| < 44` here.
  static func expm1(_ y: Double) -> Double {
    let u = Double.portableExp(y)
    if u == 1 { return y }
    let um1 = u - 1
    if um1 == -1 { return -1 }
    return um1 * y / PortableLog.log(u)
  }
}
