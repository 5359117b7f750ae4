import Foundation
import LeanAttention

/// Standard normal samples drawn from Philox4x32-10, reproducible in any language.
///
/// Sample pair `n` (samples `2n` and `2n + 1`) of stream `s` under seed `seed`:
///
/// 1. `(x0, x1, x2, x3) = Philox4x32-10(counter: (lo32(n), hi32(n), s, 0), key: (lo32(seed), hi32(seed)))`
/// 2. two uniforms with 53 random bits each, in [0, 1):
///    `u1 = ((x0 >> 5) · 2²⁶ + (x1 >> 6)) / 2⁵³`, `u2 = ((x2 >> 5) · 2²⁶ + (x3 >> 6)) / 2⁵³`
/// 3. Box–Muller: `r = √(−2 · ln(1 − u1))`, `θ = 2π · u2`;
///    sample `2n` is `r · cos θ`, sample `2n + 1` is `r · sin θ`.
///
/// `1 − u1` lies in (0, 1], so the log is finite. `2π · u2` is one rounded
/// product. `ln`, `cos` and `sin` are the library's own (`PortableLog`'s
/// method through `Double.portableLog`, `PortableSinCos`), within 1 ulp,
/// so the samples are the same bits on every machine, whatever its libm.
public struct NormalStream: Sendable {
  /// The generator (its key is the seed).
  public let generator: Philox4x32
  /// The stream id, counter word 2: one per tensor.
  public let stream: UInt32

  /// Stream `stream` of the generator keyed by `seed`.
  public init(seed: UInt64, stream: UInt32) {
    generator = Philox4x32(seed: seed)
    self.stream = stream
  }

  /// The pair of samples `2n`, `2n + 1`.
  @inlinable
  public func pair(_ n: UInt64) -> (Double, Double) {
    let x = generator.block(
      (UInt32(truncatingIfNeeded: n), UInt32(truncatingIfNeeded: n >> 32), stream, 0))
    let scale = 1.0 / 9_007_199_254_740_992.0  // 2^-53
    let u1 = (Double(x.0 >> 5) * 67_108_864.0 + Double(x.1 >> 6)) * scale
    let u2 = (Double(x.2 >> 5) * 67_108_864.0 + Double(x.3 >> 6)) * scale
    let r = (-2 * Double.portableLog(1 - u1)).squareRoot()
    let (sine, cosine) = PortableSinCos.sinCos(2 * Double.pi * u2)
    return (r * cosine, r * sine)
  }

  /// The first `count` samples, each multiplied by `standardDeviation` and shifted by `mean`.
  ///
  /// - Complexity: O(count).
  public func samples(_ count: Int, mean: Double = 0, standardDeviation: Double = 1) -> [Double] {
    samples(count, mean: mean, standardDeviation: standardDeviation, as: Double.self)
  }

  /// The pairs `4m … 4m + 3`: lane `i` of the results is ``pair(_:)`` of `4m + i`, bit for bit.
  ///
  /// Philox, the uniforms, `ln`, `sin` and `cos` run on four lanes at once
  /// (`PortableSinCos/sinCos4(_:)` and the four-lane `ln` are the scalar
  /// functions lane by lane), which halves the time to draw a large tensor.
  @inlinable
  public func pairs4(_ m: UInt64) -> (SIMD4<Double>, SIMD4<Double>) {
    let n = SIMD4<UInt64>(repeating: 4 &* m) &+ SIMD4(0, 1, 2, 3)
    let x = generator.block4(
      (
        SIMD4<UInt32>(truncatingIfNeeded: n), SIMD4<UInt32>(truncatingIfNeeded: n &>> 32),
        SIMD4(repeating: stream), SIMD4(repeating: 0)
      ))
    let scale = 1.0 / 9_007_199_254_740_992.0  // 2^-53
    let u1 = (SIMD4<Double>(x.0 &>> 5) * 67_108_864.0 + SIMD4<Double>(x.1 &>> 6)) * scale
    let u2 = (SIMD4<Double>(x.2 &>> 5) * 67_108_864.0 + SIMD4<Double>(x.3 &>> 6)) * scale
    let r = (-2 * Double.portableLog4(1 - u1)).squareRoot()
    let (sine, cosine) = PortableSinCos.sinCos4(2 * Double.pi * u2)
    return (r * cosine, r * sine)
  }

  /// The first `count` samples, scaled and shifted as Float64, then rounded to `Element`.
  ///
  /// Large draws are split across cores; each sample depends only on its
  /// index, so the result does not depend on the split. The samples go
  /// straight into the result, with no Float64 copy of the whole tensor.
  ///
  /// - Complexity: O(count).
  public func samples<Element: StorageScalar>(
    _ count: Int, mean: Double = 0, standardDeviation: Double = 1, as _: Element.Type
  ) -> [Element] {
    let pairs = (count + 1) / 2
    let chunk = 1 << 14
    return [Element](unsafeUninitializedCapacity: 2 * pairs) { buffer, initialized in
      if let base = buffer.baseAddress {
        let shared = UncheckedSendable(base)
        ParallelLoop.run(count: (pairs + chunk - 1) / chunk, makeState: { () }) { _, c in
          let p = shared.value
          // Chunks hold a multiple of 4 pairs; the last may run past `pairs`
          // by up to 3, whose samples are dropped.
          for m in stride(from: c * chunk, to: min(pairs, (c + 1) * chunk), by: 4) {
            let (a, b) = pairs4(UInt64(m / 4))
            for lane in 0..<Swift.min(4, pairs - m) {
              let n = m + lane
              (p + 2 * n).initialize(to: Element(roundingFrom: mean + standardDeviation * a[lane]))
              (p + 2 * n + 1).initialize(
                to: Element(roundingFrom: mean + standardDeviation * b[lane]))
            }
          }
        }
      }
      initialized = count  // the last pair's second sample, past `count`, is a trivial value
    }
  }
}
