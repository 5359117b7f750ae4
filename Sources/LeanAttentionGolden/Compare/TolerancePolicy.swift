import SafeTensors

/// How a candidate's error is judged.
public enum TolerancePolicy: Hashable, Sendable {
  /// FlashAttention's rule (the default).
  ///
  /// With `e_T` the max error against the Float64 golden output of the same
  /// computation emulated in the candidate's dtype `T` (``PrecisionEmulation``),
  /// the candidate passes when
  ///
  ///     max |O − O₆₄| ≤ 2 · e_T + u_T
  ///
  /// where `u_T` is `T`'s unit roundoff — FlashAttention's `fwd_atol`, twice
  /// the rounding error of `x + 0.3 − 0.3`. The LSE, when the candidate has
  /// one, passes when `max |LSE − LSE₆₄| ≤ 2 · e_LSE + 8 · 2⁻²⁴ · max(1, max |LSE₆₄|)`,
  /// since kernels keep LSE in Float32. For a Float64 candidate the Float32
  /// emulation's errors are scaled by `2⁻⁵³ / 2⁻²⁴`.
  case flashAttention
  /// Element-wise `|c − g| ≤ atol + rtol · |g|`, as numpy's `allclose`.
  case explicit(atol: Double, rtol: Double)
}
