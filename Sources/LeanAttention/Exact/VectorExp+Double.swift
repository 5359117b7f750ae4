// The loops below repeat the Float ones at four lanes on purpose: one generic
// loop over SIMD types, tried, ran the Float softmax at half speed.
extension VectorExp {
  /// `buffer[i] = exp(buffer[i] - shift)` for all `i`; returns the sum of the results.
  ///
  /// Four lanes at a time with ``exp4(_:)``; the sum is accumulated in four
  /// lanes, then the lanes in order, so it is deterministic for a given length.
  ///
  /// - Complexity: O(count).
  static func expSubtracting(_ shift: Double, _ buffer: UnsafeMutablePointer<Double>, count: Int)
    -> Double
  {
    var lanes = SIMD4<Double>(repeating: 0)
    var i = 0
    let s = SIMD4<Double>(repeating: shift)
    while i + 4 <= count {
      let p = UnsafeMutableRawPointer(buffer + i)
      let y = exp4(p.loadUnaligned(as: SIMD4<Double>.self) - s)
      p.storeBytes(of: y, as: SIMD4<Double>.self)
      lanes += y
      i += 4
    }
    var sum: Double = 0
    for l in 0..<4 { sum += lanes[l] }
    while i < count {
      var x = SIMD4<Double>(repeating: 0)
      x[0] = buffer[i] - shift
      let y = exp4(x)[0]
      buffer[i] = y
      sum += y
      i += 1
    }
    return sum
  }

  /// The largest non-NaN element, four lanes at a time (−∞ when there is none).
  ///
  /// - Complexity: O(count).
  static func maximum(_ buffer: UnsafePointer<Double>, count: Int) -> Double {
    var lanes = SIMD4<Double>(repeating: -.infinity)
    var i = 0
    while i + 4 <= count {
      let x = UnsafeRawPointer(buffer + i).loadUnaligned(as: SIMD4<Double>.self)
      lanes.replace(with: x, where: x .> lanes)
      i += 4
    }
    var m = -Double.infinity
    for l in 0..<4 where lanes[l] > m { m = lanes[l] }
    while i < count {
      if buffer[i] > m { m = buffer[i] }
      i += 1
    }
    return m
  }

  /// `exp` of four doubles, within 1 ulp over the whole range.
  ///
  /// fdlibm's method: `x = n·ln 2 + r` with |r| ≤ ln 2 / 2 (Cody–Waite, `ln 2`
  /// split so that `n·ln2Hi` is exact), then `eʳ = 1 + r + r·c/(2 − c)` with
  /// `c = r − r²·P(r²)`, P of degree 4 (fdlibm's Remez coefficients).
  /// `2ⁿ` is applied as two powers of two so that results that overflow,
  /// or are subnormal, or underflow to 0 come out correctly rounded from
  /// the one final product. NaN stays NaN; ±∞ give ∞ and 0.
  @inline(__always)
  static func exp4(_ x: SIMD4<Double>) -> SIMD4<Double> {
    let log2e = 1.442_695_040_888_963_387_00
    let ln2Hi = 6.931_471_803_691_238_164_90e-01  // 32 significant bits
    let ln2Lo = 1.908_214_929_270_587_700_02e-10
    let magic = 6_755_399_441_055_744.0  // 1.5 · 2⁵²: adding it rounds to an integer in the low bits
    // Beyond these the result is ∞ or 0 anyway; clamping keeps n within 11 bits.
    var xc = x
    xc.replace(with: -746, where: x .< -746)
    xc.replace(with: 710, where: x .> 710)
    let t = xc * log2e + magic
    let n = t - magic
    let hi = xc - n * ln2Hi  // exact
    let lo = n * ln2Lo
    let r = hi - lo
    let r2 = r * r
    var p = SIMD4<Double>(repeating: 4.138_136_797_057_238_460_39e-08)
    p = p * r2 - 1.653_390_220_546_525_153_90e-06
    p = p * r2 + 6.613_756_321_437_934_361_17e-05
    p = p * r2 - 2.777_777_777_701_559_338_42e-03
    p = p * r2 + 1.666_666_666_666_660_190_37e-01
    let c = r - r2 * p
    let er = 1 - ((lo - (r * c) / (2 - c)) - hi)  // hi and lo apart keep r's rounding error out
    // n = n₁ + n₂ with both halves in [−539, 513], normal exponents either way.
    let nBits =
      unsafeBitCast(t, to: SIMD4<UInt64>.self)
      &- unsafeBitCast(
        SIMD4<Double>(repeating: magic), to: SIMD4<UInt64>.self)
    let n1 = ((nBits &+ 2048) &>> 1) &- 1024  // ⌊n / 2⌋, shifted while non-negative
    let n2 = nBits &- n1
    let s1 = unsafeBitCast((n1 &+ 1023) &<< 52, to: SIMD4<Double>.self)
    let s2 = unsafeBitCast((n2 &+ 1023) &<< 52, to: SIMD4<Double>.self)
    // A NaN `x` stays NaN through every step (the clamps compare false).
    return er * s1 * s2
  }
}
