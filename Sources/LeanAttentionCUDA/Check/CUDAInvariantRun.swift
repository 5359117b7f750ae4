/// One case of `cuda-check`'s invariant mode: every partitioner on every
/// device model of ``CUDACheck/invariantModels()``, judged by
/// ``CUDACheck/checkInvariant(_:seed:fixture:on:skipped:)``.
public struct CUDAInvariantRun: Hashable, Sendable {
  /// The case's name.
  public var name: String
  /// The input dtype's name (`F16`, `BF16`).
  public var dtype: String
  /// The head dimension D.
  public var headDim: Int
  /// Schedules run (refused ones aside).
  public var schedules: Int
  /// Distinct O/LSE bit patterns in the invariant mode (1 per blockN when it passes).
  public var treePatterns: Int
  /// Distinct O/LSE bit patterns in the normal mode, for comparison.
  public var normalPatterns: Int
  /// Max `|ΔO|` of the GPU's output against the CPU canonical tree.
  public var maxError: Double
  /// The golden rule's O threshold.
  public var threshold: Double
  /// Max `|ΔLSE|` against the CPU canonical tree.
  public var maxLogSumExpError: Double
  /// The golden rule's LSE threshold.
  public var logSumExpThreshold: Double
  /// Max `|Δo|` of the emitted node states against the CPU's (lean on 132
  /// SMs); `nil` when that schedule wrote none.
  public var nodeError: Double?
  /// Why the case failed, in words; empty when it passed.
  public var failures: [String]

  /// An invariant-mode record with every field given.
  public init(
    name: String, dtype: String, headDim: Int, schedules: Int, treePatterns: Int,
    normalPatterns: Int, maxError: Double, threshold: Double, maxLogSumExpError: Double,
    logSumExpThreshold: Double, nodeError: Double?, failures: [String]
  ) {
    self.name = name
    self.dtype = dtype
    self.headDim = headDim
    self.schedules = schedules
    self.treePatterns = treePatterns
    self.normalPatterns = normalPatterns
    self.maxError = maxError
    self.threshold = threshold
    self.maxLogSumExpError = maxLogSumExpError
    self.logSumExpThreshold = logSumExpThreshold
    self.nodeError = nodeError
    self.failures = failures
  }

  /// Whether the case passed: no failure recorded.
  public var passed: Bool { failures.isEmpty }
}
