import LeanAttention
import LeanAttentionGolden

extension CUDACheckRun {
  /// Judges two launches of `plan`'s `schedule` on the same inputs.
  ///
  /// The run fails when the first launch's output fails `compare`'s rule
  /// against `golden` (O beyond the dtype's threshold, LSE, non-finite values),
  /// when the second launch's O, LSE or partial O differ in any bit from the
  /// first's ("two launches differ"), or when the partial states the GPU wrote
  /// (``CUDACheckPlannedRun/wantsPartials(_:)``) fail the partials rule with
  /// the same O threshold. The failures are listed in that order.
  ///
  /// - Parameters:
  ///   - first: The first launch; its O, LSE and partials are judged.
  ///   - second: The repeat launch, compared bit for bit with `first`.
  ///   - plan: The planned run (case, partitioner, device model).
  ///   - schedule: The schedule both launches ran (`plan`'s).
  ///   - golden: The golden file to judge with (``CUDACheckPlannedRun/golden(for:)``).
  /// - Throws: `ComparisonError` or `GoldenError` when `golden` does not fit the
  ///   output; ``CUDAError/unsupported(_:)`` for F32 cases (no F32 kernels).
  /// - Complexity: O(outputs · D) plus the partials' size.
  public init(
    judging first: CUDAExecutor.Result, repeat second: CUDAExecutor.Result,
    of plan: CUDACheckPlannedRun, schedule: Schedule, golden: GoldenFile
  ) throws {
    let c = plan.goldenCase
    let output: [Double] =
      switch c.dtype {
      case .f16: first.outputBits.map { Float16(bits: $0).doubleValue }
      case .bf16: first.outputBits.map { BFloat16(bits: $0).doubleValue }
      case .f32: throw CUDAError.unsupported("F32 inputs")
      }
    let verdict = try Comparison.judge(
      golden: golden, output: output, dtype: c.dtype.dtype,
      logSumExp: first.logSumExp.map(Double.init))
    var failures = verdict.failures
    let bitwise =
      first.outputBits == second.outputBits
      && first.logSumExp.map(\.bitPattern) == second.logSumExp.map(\.bitPattern)
      && first.partialOutput.map(\.bitPattern) == second.partialOutput.map(\.bitPattern)
    if !bitwise { failures.append("two launches differ") }
    var partialError: Double?
    if CUDACheckPlannedRun.wantsPartials(schedule) {
      let partials = try PartialsComparison.judge(
        golden: golden, schedule: schedule, output: first.partialOutput,
        logSumExp: first.partialLogSumExp, threshold: verdict.outputThreshold ?? 0)
      partialError = partials.maxAbsError
      failures += partials.failures
    }
    self.init(
      name: c.name, dtype: c.dtype.rawValue, headDim: c.problem.headDim,
      partitioner: plan.partitioner.rawValue, sms: plan.device.smCount, grid: schedule.ctas.count,
      splits: schedule.maxSplits, maxError: verdict.output.maxAbs,
      threshold: verdict.outputThreshold ?? 0, partialError: partialError, bitwise: bitwise,
      failures: failures)
  }
}
