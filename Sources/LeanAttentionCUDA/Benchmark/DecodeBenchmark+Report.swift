extension DecodeBenchmark {
  /// A whole benchmark run: the setup and every partitioner's measurement, in order.
  public struct Report: Hashable, Sendable {
    /// What every measurement shares.
    public var setup: Setup
    /// One measurement per partitioner, in the configuration's order.
    public var measurements: [Measurement]

    /// A report with both parts given.
    public init(setup: Setup, measurements: [Measurement]) {
      self.setup = setup
      self.measurements = measurements
    }

    /// Whether every output of every mode passed its check (``Measurement/allPassed``).
    public var passed: Bool { measurements.allSatisfy(\.allPassed) }
  }
}
