extension DecodeBenchmark.Measurement {
  /// The invariant (canonical-tree) mode of a measurement's schedule: timed by
  /// the same rules, checked against the oracle by the same rule, and compared
  /// in bits with the first invariant output of the run at the same blockN.
  public struct Invariant: Hashable, Sendable {
    /// The invariant mode's timing.
    public var timing: DecodeBenchmark.Timing
    /// The schedule's KV block: outputs are compared in bits only among
    /// schedules of one blockN, since the canonical tree is fixed by the tiles.
    public var blockN: Int
    /// The largest `|ΔO|` against the oracle.
    public var maxAbsError: Double
    /// Whether the output is the same bits (O and LSE) as the run's first
    /// invariant output at ``blockN`` (true for that first output).
    public var bitwise: Bool
    /// Whether the output passed the oracle check and ``bitwise`` holds.
    public var passed: Bool
    /// The invariant mode's median over the normal mode's, same schedule.
    public var ratio: Double
    /// The invariant mode's median over the normal lean schedule's; `nil`
    /// when lean was not measured before this partitioner.
    public var ratioToLean: Double?

    /// An invariant-mode result with every field given.
    public init(
      timing: DecodeBenchmark.Timing, blockN: Int, maxAbsError: Double, bitwise: Bool,
      passed: Bool, ratio: Double, ratioToLean: Double?
    ) {
      self.timing = timing
      self.blockN = blockN
      self.maxAbsError = maxAbsError
      self.bitwise = bitwise
      self.passed = passed
      self.ratio = ratio
      self.ratioToLean = ratioToLean
    }
  }
}
