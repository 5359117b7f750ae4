extension DecodeBenchmark {
  /// How a GPU output compares with the sampled CPU oracle
  /// (``DecodeBenchmark/judge(outputBits:logSumExp:against:dtype:)``).
  public struct OracleVerdict: Hashable, Sendable {
    /// The largest `|ΔO|` over the oracle's rows; NaN when an output or an LSE
    /// failed outright (NaN, missing, LSE too far off).
    public var maxAbsError: Double
    /// The allowance the error is held to: at the element furthest beyond
    /// (or closest to) its own allowance; never below ``maxAbsError`` when
    /// every element is within its allowance.
    public var errorLimit: Double

    /// A verdict with both numbers given.
    public init(maxAbsError: Double, errorLimit: Double) {
      self.maxAbsError = maxAbsError
      self.errorLimit = errorLimit
    }

    /// Whether the output passed: ``maxAbsError`` ≤ ``errorLimit`` (a NaN
    /// error fails).
    public var passed: Bool { maxAbsError <= errorLimit }
  }
}
