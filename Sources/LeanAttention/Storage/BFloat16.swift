/// The bfloat16 format: the top 16 bits of an IEEE 754 binary32.
///
/// 1 sign bit, 8 exponent bits, 7 fraction bits. Values convert *from*
/// `Float` and `Double` rounding to nearest, ties to even; NaN stays NaN
/// (quieted, sign and top payload bits kept). Conversion *to* `Float` is exact.
///
/// Conversion from `Double` does not go through a round-to-nearest `Float`,
/// which could round twice: it first rounds to `Float` with round-to-odd,
/// which is exact-safe because binary32 carries more than 8 + 2 significand
/// bits, and then rounds that to bfloat16.
public struct BFloat16: Hashable, Sendable {
  /// The 16 stored bits.
  public var bitPattern: UInt16

  /// Creates a value from its bits.
  @inlinable public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

  /// Rounds a `Float` to the nearest bfloat16, ties to even.
  @inlinable
  public init(_ value: Float) {
    let bits = value.bitPattern
    if value.isNaN {
      // Keep sign and the top fraction bits, force the quiet bit so the
      // fraction can never truncate to zero (which would read as infinity).
      bitPattern = UInt16(truncatingIfNeeded: bits >> 16) | 0x0040
      return
    }
    let lsb = (bits >> 16) & 1
    let rounded = bits &+ 0x7FFF &+ lsb
    bitPattern = UInt16(truncatingIfNeeded: rounded >> 16)
  }

  /// Rounds a `Double` to the nearest bfloat16, ties to even, without double rounding.
  @inlinable
  public init(_ value: Double) {
    if value.isNaN {
      self.init(Float(value))
      return
    }
    var f = Float(value)  // round to nearest
    if f.isFinite || value.isInfinite {
      let back = Double(f)
      if back != value {
        // Step toward zero to get the truncation, then set the sticky bit:
        // round-to-odd keeps enough information for the final rounding.
        if back.magnitude > value.magnitude { f = f > 0 ? f.nextDown : f.nextUp }
        f = Float(bitPattern: f.bitPattern | 1)
      }
    } else {
      // `value` overflowed Float; its round-to-odd image is the largest finite Float.
      f = value < 0 ? -Float.greatestFiniteMagnitude : .greatestFiniteMagnitude
    }
    self.init(f)
  }

  /// The value widened exactly to `Float`.
  @inlinable public var float: Float { Float(bitPattern: UInt32(bitPattern) << 16) }

  /// Whether the value is NaN.
  @inlinable public var isNaN: Bool { (bitPattern & 0x7FFF) > 0x7F80 }
}

extension BFloat16: StorageScalar {
  @inlinable public init(roundingFrom value: Double) { self.init(value) }
  @inlinable public var doubleValue: Double { Double(float) }
  @inlinable public var floatValue: Float { float }
}

extension BFloat16: CustomStringConvertible {
  /// The value as `Float` prints it (exactly: every bfloat16 is a `Float`).
  public var description: String { float.description }
}
