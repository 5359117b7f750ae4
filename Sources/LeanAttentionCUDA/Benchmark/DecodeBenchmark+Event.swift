extension DecodeBenchmark {
  /// What ``DecodeBenchmark/measure(_:_:on:progress:)`` reports as it goes,
  /// in order: the setup once, then one measurement per partitioner.
  public enum Event: Sendable {
    /// The inputs, the oracle and the copy bandwidth are ready; timing starts.
    case setUp(Setup)
    /// A partitioner was checked and timed (both modes with the invariant mode).
    case measured(Measurement)
  }
}
