/// `exp` over a buffer of `Float` (eight lanes at a time) or `Double` (four).
///
/// Cody–Waite range reduction `x = n·ln 2 + r`, |r| ≤ ln 2 / 2, then Cephes'
/// degree-6 minimax polynomial for `eʳ`, scaled by `2ⁿ` through the exponent
/// bits. The error is within 2 ulp of the true value wherever the result is a
/// normal number; subnormal results, overflow to ∞ and underflow to 0 come out
/// of one final rounding. NaN stays NaN. Double (`VectorExp+Double.swift`)
/// uses fdlibm's method, within 1 ulp.
///
/// Attention calls it on `s − max ≤ 0`, where libm's scalar `exp` dominated
/// the softmax time.
enum VectorExp {
  /// `buffer[i] = exp(buffer[i] - shift)` for all `i`; returns the sum of the results.
  ///
  /// The sum is accumulated in eight lanes, then the lanes in order, so it is
  /// deterministic for a given length.
  ///
  /// - Complexity: O(count).
  static func expSubtracting(_ shift: Float, _ buffer: UnsafeMutablePointer<Float>, count: Int)
    -> Float
  {
    var lanes = SIMD8<Float>(repeating: 0)
    var i = 0
    let s = SIMD8<Float>(repeating: shift)
    while i + 8 <= count {
      let p = UnsafeMutableRawPointer(buffer + i)
      let x = p.loadUnaligned(as: SIMD8<Float>.self) - s
      let y = exp8(x)
      p.storeBytes(of: y, as: SIMD8<Float>.self)
      lanes += y
      i += 8
    }
    var sum: Float = 0
    for l in 0..<8 { sum += lanes[l] }
    while i < count {
      var x = SIMD8<Float>(repeating: 0)
      x[0] = buffer[i] - shift
      let y = exp8(x)[0]
      buffer[i] = y
      sum += y
      i += 1
    }
    return sum
  }

  /// The largest non-NaN element, eight lanes at a time (−∞ when there is none).
  ///
  /// A lane takes `x` only where `x > lane`, which is false for NaN, so NaNs
  /// are skipped exactly as the scalar loop skips them.
  ///
  /// - Complexity: O(count).
  static func maximum(_ buffer: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = SIMD8<Float>(repeating: -.infinity)
    var i = 0
    while i + 8 <= count {
      let x = UnsafeRawPointer(buffer + i).loadUnaligned(as: SIMD8<Float>.self)
      lanes.replace(with: x, where: x .> lanes)
      i += 8
    }
    var m = -Float.infinity
    for l in 0..<8 where lanes[l] > m { m = lanes[l] }
    while i < count {
      if buffer[i] > m { m = buffer[i] }
      i += 1
    }
    return m
  }

  @inline(__always)
  static func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let log2e: Float = 1.442_695_040_888_963_4
    let ln2Hi: Float = 0.693_359_375
    let ln2Lo: Float = -2.121_944_400_546_905_8e-4
    let magic: Float = 12_582_912  // 1.5 · 2²³: adding it rounds to an integer in the low bits
    // Beyond these the result is ∞ or 0 anyway; clamping keeps n within 8 bits.
    // (Masked replacement rather than `clamped`: the standard library's
    // `pointwiseMin`/`pointwiseMax` were not inlined, a call per vector.)
    var xc = x
    xc.replace(with: -104, where: x .< -104)
    xc.replace(with: 89, where: x .> 89)
    let t = xc * log2e + magic
    let nf = t - magic
    let r = xc - nf * ln2Hi - nf * ln2Lo
    var p = SIMD8<Float>(repeating: 1.987_569_150_0e-4)
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    let er = (p * r * r) + r + 1
    // n = n₁ + n₂ with both halves in [−76, 65], normal exponents either way,
    // so overflow, subnormal results and underflow come from the last product.
    let n = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000
    let n1 = n &>> 1
    let s1 = unsafeBitCast((n1 &+ 127) &<< 23, to: SIMD8<Float>.self)
    let s2 = unsafeBitCast((n &- n1 &+ 127) &<< 23, to: SIMD8<Float>.self)
    // A NaN `x` stays NaN through every step (the clamps compare false).
    return er * s1 * s2
  }
}
