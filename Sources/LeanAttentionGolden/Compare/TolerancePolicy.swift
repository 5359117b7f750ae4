import SafeTensors

/// How a candidate's error is judged.
public enum TolerancePolicy: Hashable, Sendable {
  /// FlashAttention-3's rule (the default), as its tests judge its own kernels.
  ///
  /// With `T` the candidate's precision, `e_T` the max error against the
  /// Float64 golden output of the same computation emulated in `T` (the
  /// larger of the reference's and a kernel's order, ``PrecisionEmulation/Order``), and `atol_T = 2 · max |(r + 0.3 − 0.3) − r|`
  /// over the golden output `r` rounded to `T` and evaluated in `T`
  /// (FlashAttention's `fwd_atol`), every element of `O` in a row that sees a
  /// key must satisfy
  ///
  ///     |O − O₆₄| ≤ rtol · e_T + atol_T,    rtol = 2 (3 with a soft-cap).
  ///
  /// The LSE, when the candidate has one, is held to the same rule in the
  /// precision kernels keep it in (F32; F64 for an F64 candidate). See
  /// ``ToleranceBound``.
  case flashAttention
  /// Element-wise `|c − g| ≤ atol + rtol · |g|`, as numpy's `allclose`.
  case explicit(atol: Double, rtol: Double)
}
