/// Uniform draws from one Philox stream, so that a seed names a sequence.
///
/// Draw `n` (counting from 1) reads Philox block `(n, 0, stream, 0)`: an
/// integer below `bound` is `x0 mod bound`; a real in `[lo, hi)` takes 53 bits,
/// `(x0 >> 5) · 2²⁶ + (x1 >> 6)` over `2⁵³`. The random decode cases and the
/// tests' random problems draw from it.
public struct PhiloxDraws: Sendable {
  let generator: Philox4x32
  let stream: UInt32
  var counter: UInt32 = 0

  /// The draws of `seed` on `stream`.
  public init(seed: UInt64, stream: UInt32) {
    generator = Philox4x32(seed: seed)
    self.stream = stream
  }

  mutating func block() -> (UInt32, UInt32, UInt32, UInt32) {
    counter &+= 1
    return generator.block((counter, 0, stream, 0))
  }

  /// The next integer in `0..<bound`; 0 when `bound` ≤ 1.
  public mutating func next(below bound: Int) -> Int {
    let x = block().0
    return bound <= 1 ? 0 : Int(x % UInt32(truncatingIfNeeded: bound))
  }

  /// The next real in `[lo, hi)`.
  public mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
    let x = block()
    let unit = (Double(x.0 >> 5) * 67_108_864 + Double(x.1 >> 6)) / 9_007_199_254_740_992
    return lo + (hi - lo) * unit
  }
}
