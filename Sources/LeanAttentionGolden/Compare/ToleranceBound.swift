import LeanAttention
import SafeTensors

/// The largest error FlashAttention's rule allows in one tensor:
/// `rtol · e_T + atol_T`.
///
/// `e_T` is the max error of the same computation emulated in the candidate's
/// precision `T` against the Float64 golden values, the largest of three
/// orders of operations (``PrecisionEmulation/Order``), or the first-order
/// effect of another summation order of the scores if that is larger; `atol_T` is FlashAttention's
/// `fwd_atol`, the rounding error of the golden values themselves in `T`;
/// `rtol` is 2, or 3 with a soft-cap. FlashAttention-3's tests
/// (`hopper/test_flash_attn.py`) use this bound for their kernels, with one
/// order, that of their reference: one order's error is one sample, which a
/// correct kernel's error can exceed twice over where `T` cannot resolve the
/// softmax (see ``PrecisionEmulation``).
public struct ToleranceBound: Hashable, Sendable {
  /// `e_T`: the emulations' max absolute error (the largest of the three
  /// orders), or the scores' order sensitivity if that is larger.
  public var emulatedError: Double
  /// `rtol`: how many times the emulation's error a candidate may make.
  public var relativeFactor: Double
  /// `atol_T`: FlashAttention's `fwd_atol` of the golden values in `T`.
  public var absoluteTolerance: Double

  /// `rtol · e_T + atol_T`; finite whenever the golden values and the emulation are.
  public var threshold: Double { relativeFactor * emulatedError + absoluteTolerance }

  /// FlashAttention's `rtol`: 2, or 3 when scores are soft-capped (the `tanh`
  /// adds a rounding step the emulation and a kernel take differently).
  public static func relativeFactor(for problem: AttentionProblem) -> Double {
    problem.softCap == nil ? 2 : 3
  }

  /// FlashAttention's `fwd_atol = 2 · max |(r + 0.3 − 0.3) − r|`, with `r` the
  /// reference rounded to `precision` and every operation rounded there too.
  ///
  /// This is the error of any arithmetic at all on values of the reference's
  /// magnitude in `T`: a few units in the last place of the largest values.
  /// As in PyTorch, F16, BF16 and F32 arithmetic runs in Float32 and rounds
  /// each result to `T`; F64 runs in Float64. Elements where `include` is false,
  /// and values that overflow `T`, are skipped.
  ///
  /// - Complexity: O(n).
  public static func absoluteTolerance(
    of reference: [Double], in precision: DType, where include: (Int) -> Bool = { _ in true }
  ) -> Double {
    var worst = 0.0
    for (n, x) in reference.enumerated() where include(n) && x.isFinite {
      let e: Double
      if precision == .f64 {
        e = abs((x + 0.3) - 0.3 - x)
      } else {
        let r = precision.rounding(x)
        guard r.isFinite else { continue }
        let up = precision.rounding(r + Float(0.3))
        let back = precision.rounding(up - Float(0.3))
        e = abs(Double(back) - Double(r))
      }
      if e.isFinite { worst = max(worst, e) }
    }
    return 2 * worst
  }
}

extension DType {
  /// `x` rounded once to nearest even in this dtype, as a `Float` (F16, BF16, F32;
  /// any other dtype rounds to F32).
  @inlinable
  public func rounding(_ x: Double) -> Float {
    switch self {
    case .f16: return Float(Float16(x))
    case .bf16: return BFloat16(x).float
    default: return Float(x)
    }
  }

  /// `x` rounded once to this dtype and widened back to `Double` (F64: `x`).
  @inlinable
  public func roundingToDouble(_ x: Double) -> Double {
    self == .f64 ? x : Double(rounding(x))
  }
}
