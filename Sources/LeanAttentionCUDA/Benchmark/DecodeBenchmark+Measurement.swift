import LeanAttention

extension DecodeBenchmark {
  /// One partitioner's result in a benchmark run: its launch, its timing and
  /// bandwidth, its oracle check and, with the invariant mode, the same for
  /// the canonical-tree mode of the same schedule.
  public struct Measurement: Hashable, Sendable {
    /// The partitioner that made the schedule.
    public var partitioner: PartitionerKind
    /// CTAs of the segment launch.
    public var grid: Int
    /// The largest number of pieces of one output.
    public var splits: Int
    /// CTAs of the combine launch (0 when the schedule has none).
    public var combineGrid: Int
    /// The segment kernel's name.
    public var kernelName: String
    /// The timing of the normal mode.
    public var timing: Timing
    /// The fewest bytes a call must move (``Setup/bytes``).
    public var bytes: Double
    /// `bytes` over the median call, in 10⁹ bytes per second.
    public var gigabytesPerSecond: Double
    /// The copy bandwidth in 10⁹ bytes per second.
    public var copyGigabytesPerSecond: Double
    /// The achieved bandwidth over the copy bandwidth.
    public var fractionOfCopy: Double
    /// Microseconds a call would take at the copy bandwidth (``Setup/floorMicroseconds``).
    public var floorMicroseconds: Double
    /// The normal mode's largest `|ΔO|` against the oracle (``OracleVerdict/maxAbsError``).
    public var maxAbsError: Double
    /// The allowance that error is held to (``OracleVerdict/errorLimit``).
    public var errorLimit: Double
    /// Whether the normal mode's output passed the oracle check.
    public var passed: Bool
    /// The invariant mode's result, when it was measured.
    public var invariant: Invariant?

    /// A measurement with every field given.
    public init(
      partitioner: PartitionerKind, grid: Int, splits: Int, combineGrid: Int, kernelName: String,
      timing: Timing, bytes: Double, gigabytesPerSecond: Double, copyGigabytesPerSecond: Double,
      fractionOfCopy: Double, floorMicroseconds: Double, maxAbsError: Double,
      errorLimit: Double, passed: Bool, invariant: Invariant?
    ) {
      self.partitioner = partitioner
      self.grid = grid
      self.splits = splits
      self.combineGrid = combineGrid
      self.kernelName = kernelName
      self.timing = timing
      self.bytes = bytes
      self.gigabytesPerSecond = gigabytesPerSecond
      self.copyGigabytesPerSecond = copyGigabytesPerSecond
      self.fractionOfCopy = fractionOfCopy
      self.floorMicroseconds = floorMicroseconds
      self.maxAbsError = maxAbsError
      self.errorLimit = errorLimit
      self.passed = passed
      self.invariant = invariant
    }

    /// Whether both modes passed (the normal mode alone when the invariant
    /// mode was not measured).
    public var allPassed: Bool { passed && (invariant?.passed ?? true) }
  }
}
