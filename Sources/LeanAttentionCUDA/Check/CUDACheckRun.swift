/// One GPU run of `cuda-check`: a case under one partitioner on one device
/// model, launched twice and judged with the golden-file rule.
///
/// Made by ``init(judging:repeat:of:schedule:golden:)`` from the two launches,
/// so the record holds the verdict, not the outputs.
public struct CUDACheckRun: Hashable, Sendable {
  /// The case's name (`decode-gqa`, `random-17`, …).
  public var name: String
  /// The input dtype's name (`F16`, `BF16`).
  public var dtype: String
  /// The head dimension D.
  public var headDim: Int
  /// The partitioner's name (`PartitionerKind`'s raw value).
  public var partitioner: String
  /// The device model's SM count the schedule was made for.
  public var sms: Int
  /// CTAs launched (the schedule's CTA count).
  public var grid: Int
  /// The schedule's largest number of pieces of one output.
  public var splits: Int
  /// The largest `|ΔO|` against the golden output.
  public var maxError: Double
  /// The golden rule's O threshold (0 when the rule has none).
  public var threshold: Double
  /// The largest `|Δ|` of the partial states against the golden ones; `nil`
  /// when the GPU wrote none for this schedule.
  public var partialError: Double?
  /// Whether the two launches gave the same bits (O, LSE and partial O).
  public var bitwise: Bool
  /// Why the run failed, in words; empty when it passed.
  public var failures: [String]

  /// A run record with every field given.
  public init(
    name: String, dtype: String, headDim: Int, partitioner: String, sms: Int, grid: Int,
    splits: Int, maxError: Double, threshold: Double, partialError: Double?, bitwise: Bool,
    failures: [String]
  ) {
    self.name = name
    self.dtype = dtype
    self.headDim = headDim
    self.partitioner = partitioner
    self.sms = sms
    self.grid = grid
    self.splits = splits
    self.maxError = maxError
    self.threshold = threshold
    self.partialError = partialError
    self.bitwise = bitwise
    self.failures = failures
  }

  /// Whether the run passed: no failure recorded.
  public var passed: Bool { failures.isEmpty }
}
