import RealModule

/// A floating-point type whose `exp`, `log` and `tanh` the library computes
/// with its own code, so that they give the same bits on every machine.
///
/// The platform's `exp` and `log` differ in the last bit between libms, and
/// even between CPUs with one libm: glibc picks FMA variants at run time.
/// Everything that must be reproducible — golden files, the merge operator,
/// the fixed-order attention — calls these instead. They use only IEEE 754
/// additions, multiplications, divisions and square roots, in a fixed order,
/// with no fused multiply-add, so every conforming machine rounds them alike.
///
/// Accuracy, checked against 80-bit references over the whole range in the tests:
///
/// | function | `Double` | `Float` |
/// |---|---|---|
/// | ``portableExp(_:)`` | ≤ 1 ulp | ≤ 1 ulp (through `Double`) |
/// | ``portableLog(_:)`` | ≤ 1 ulp | ≤ 1 ulp (through `Double`) |
/// | ``portableTanh(_:)`` | ≤ 5 ulp | ≤ 1 ulp (through `Double`) |
///
/// Special values follow C99 Annex F: `exp(−∞) = 0`, `exp(+∞) = +∞`,
/// `log(±0) = −∞`, `log(x < 0) = NaN`, `log(+∞) = +∞`, `tanh(±∞) = ±1`;
/// NaN gives NaN.
public protocol PortableElementaryFunctions: Real, BinaryFloatingPoint, Sendable {
  /// `eˣ`, the same bits on every machine.
  static func portableExp(_ x: Self) -> Self
  /// The natural logarithm, the same bits on every machine.
  static func portableLog(_ x: Self) -> Self
  /// The hyperbolic tangent, the same bits on every machine.
  static func portableTanh(_ x: Self) -> Self
}

extension Double: PortableElementaryFunctions {
  public static func portableExp(_ x: Double) -> Double {
    VectorExp.exp4(SIMD4(repeating: x))[0]
  }

  public static func portableLog(_ x: Double) -> Double { PortableLog.log(x) }

  /// ``portableLog(_:)`` of four values at once, lane by lane the same bits.
  public static func portableLog4(_ x: SIMD4<Double>) -> SIMD4<Double> { PortableLog.log4(x) }

  public static func portableTanh(_ x: Double) -> Double { PortableTanh.tanh(x) }
}

// Float goes through Double: the Double result is within 5 Double ulp of
// the true value, far below half a Float ulp, so the rounded result is
// within 1 Float ulp.
extension Float: PortableElementaryFunctions {
  public static func portableExp(_ x: Float) -> Float { Float(Double.portableExp(Double(x))) }

  public static func portableLog(_ x: Float) -> Float { Float(PortableLog.log(Double(x))) }

  public static func portableTanh(_ x: Float) -> Float { Float(PortableTanh.tanh(Double(x))) }
}
