extension DecodeBenchmark {
  /// Judges a GPU output against the sampled CPU oracle: the rule of
  /// `leanattn bench cuda`.
  ///
  /// Every element `e` of every reference row must satisfy
  ///
  ///     |O_gpu − O_ref| ≤ 2 · u · |O_ref| + a
  ///
  /// evaluated in Float64 in that order, where `u` is the output type's unit
  /// roundoff (``ElementType/unitRoundoff``: 2⁻¹¹ F16, 2⁻⁸ BF16), so two units
  /// of rounding of the value, and `a` an absolute allowance for the kernels'
  /// different summation order (``ElementType/absoluteAllowance``: 1e-3 F16,
  /// 8e-3 BF16). Every row's natural-log LSE must agree to 1e-4 relative:
  /// `LSE_gpu == LSE_ref` (equal infinities) or
  /// `|LSE_gpu − LSE_ref| ≤ 1e-4 · max(1, |LSE_ref|)`.
  ///
  /// The verdict's error is the largest `|ΔO|`; its limit is the allowance of
  /// the element with the largest `|ΔO| − allowance`, raised to the error
  /// when every element is within its own allowance (so `error ≤ limit`
  /// exactly when every element passes). A NaN output, an LSE off (NaN
  /// included) or a reference row outside the output gives a NaN error and
  /// the limit `a`: a failure.
  ///
  /// - Parameters:
  ///   - outputBits: `O [totalQ, Hq, D]` as bits of `dtype`.
  ///   - logSumExp: `LSE [totalQ, Hq]`.
  ///   - reference: The oracle's rows (``DecodeBenchmark/sampledReference(_:count:)``);
  ///     every row's output has `D` elements. No rows pass with error 0.
  ///   - dtype: The output's element type.
  /// - Complexity: O(rows · D).
  public static func judge(
    outputBits: [UInt16], logSumExp: [Float], against reference: [ReferenceRow],
    dtype: ElementType
  ) -> OracleVerdict {
    let unit = dtype.unitRoundoff
    let absolute = dtype.absoluteAllowance
    let failed = OracleVerdict(maxAbsError: .nan, errorLimit: absolute)
    var worst = 0.0
    var worstExcess = -Double.infinity
    var limitAtWorst = absolute
    for ref in reference {
      let d = ref.output.count
      let (start, overflow) = ref.row.multipliedReportingOverflow(by: d)
      guard ref.row >= 0, !overflow, start <= outputBits.count - d,
        ref.row < logSumExp.count
      else { return failed }
      for e in 0..<d {
        let got = dtype.value(bits: outputBits[start + e])
        let diff = abs(got - ref.output[e])
        guard !diff.isNaN else { return failed }
        let allowed = 2 * unit * abs(ref.output[e]) + absolute
        worst = max(worst, diff)
        if diff - allowed > worstExcess {
          worstExcess = diff - allowed
          limitAtWorst = allowed
        }
      }
      let lse = Double(logSumExp[ref.row])
      let lseAgrees =
        lse == ref.logSumExp || abs(lse - ref.logSumExp) <= 1e-4 * max(1, abs(ref.logSumExp))
      guard lseAgrees else { return failed }
    }
    return worstExcess > 0
      ? OracleVerdict(maxAbsError: worst, errorLimit: limitAtWorst)
      : OracleVerdict(maxAbsError: worst, errorLimit: max(worst, limitAtWorst))
  }

  /// Judges `result`'s O and LSE against the sampled CPU oracle
  /// (``judge(outputBits:logSumExp:against:dtype:)``).
  ///
  /// - Complexity: O(rows · D).
  public static func judge(
    _ result: CUDAExecutor.Result, against reference: [ReferenceRow], dtype: ElementType
  ) -> OracleVerdict {
    judge(
      outputBits: result.outputBits, logSumExp: result.logSumExp, against: reference, dtype: dtype)
  }
}
