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
/// `1 − u1` lies in (0, 1], so the log is finite. The samples are Float64; a
/// golden file rounds them to its dtype, which hides the last-bit differences
/// that libm's `log`, `cos` and `sin` may show between platforms.
public struct NormalStream: Sendable {
  /// The generator (its key is the seed).
  public let generator: Philox4x32
  /// The stream id, counter word 2: one per tensor.
  public let stream: UInt32

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
    let r = (-2 * Foundation.log(1 - u1)).squareRoot()
    let theta = 2 * Double.pi * u2
    return (r * Foundation.cos(theta), r * Foundation.sin(theta))
  }

  /// The first `count` samples, each multiplied by `standardDeviation` and shifted by `mean`.
  ///
  /// Large draws are split across cores; each sample depends only on its
  /// index, so the result does not depend on the split.
  ///
  /// - Complexity: O(count).
  public func samples(_ count: Int, mean: Double = 0, standardDeviation: Double = 1) -> [Double] {
    let pairs = (count + 1) / 2
    let chunk = 1 << 14
    var out = [Double](repeating: 0, count: 2 * pairs)
    out.withUnsafeMutableBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return }  // count == 0
      let shared = UncheckedSendable(base)
      ParallelLoop.run(count: (pairs + chunk - 1) / chunk, makeState: { () }) { _, c in
        let p = shared.value
        for n in (c * chunk)..<min(pairs, (c + 1) * chunk) {
          let (a, b) = pair(UInt64(n))
          p[2 * n] = mean + standardDeviation * a
          p[2 * n + 1] = mean + standardDeviation * b
        }
      }
    }
    out.removeLast(out.count - count)
    return out
  }
}
