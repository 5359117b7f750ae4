extension Float16 {
  /// `value` rounded to the nearest `Float16`, ties to even, in one step; NaN stays NaN.
  ///
  /// The same result as `Float16(value)`, from integer operations on the
  /// bits: on x86-64 without F16C, `Float16(value)` is a library call that
  /// took a tenth of the time of writing a large golden file.
  ///
  /// - Complexity: O(1).
  @inlinable
  public init(nearestTo value: Double) {
    let bits = value.bitPattern
    let sign = UInt16(truncatingIfNeeded: bits >> 48) & 0x8000
    let magnitude = bits & 0x7fff_ffff_ffff_ffff
    let exponent = Int(magnitude >> 52) - 1023
    if magnitude > 0x7ff0_0000_0000_0000 {  // NaN: keep the top payload bits, quiet
      self.init(bitPattern: sign | 0x7e00 | UInt16(truncatingIfNeeded: magnitude >> 42) & 0x01ff)
    } else if exponent >= 16 {  // ≥ 2¹⁶ (or ∞): overflows
      self.init(bitPattern: sign | 0x7c00)
    } else if exponent >= -14 {  // normal range: drop 42 fraction bits, ties to even
      let fraction = magnitude & 0x000f_ffff_ffff_ffff
      var kept = UInt64(exponent + 15) << 10 | fraction >> 42
      let rest = fraction & 0x3ff_ffff_ffff
      let half: UInt64 = 0x200_0000_0000
      if rest > half || (rest == half && kept & 1 == 1) { kept += 1 }  // may carry into ∞
      self.init(bitPattern: sign | UInt16(truncatingIfNeeded: kept))
    } else {  // subnormal or zero: multiples of 2⁻²⁴, exact scaling then one rounding
      let scaled = Double(bitPattern: magnitude) * 0x1p24
      let units = scaled.rounded(.toNearestOrEven)
      self.init(bitPattern: sign | UInt16(units))
    }
  }
}
