import LeanAttention

extension DecodeBenchmark {
  /// How many CTAs the lean schedule of a benchmark gets.
  public enum LeanGrid: Hashable, Sendable {
    /// ONNX Runtime's formula over the CTAs per SM the segment kernel is built
    /// to keep resident (``DecodeSupport/ctasPerSM(rowsPerPass:)``): the
    /// `LeanPartitioner` default for these kernels.
    case kernelSlots
    /// Every CTA slot the segment kernel has on the device, as the driver's
    /// occupancy query reports it (``CUDAExecutor/residentCTAs(_:_:)``). A dry
    /// run, which has no device, uses ``kernelSlots`` instead.
    case resident
    /// Exactly this many CTAs (1 or more).
    case ctas(Int)

    /// `resident`, or a positive number of CTAs (`"264"`).
    ///
    /// - Throws: ``DecodeBenchmarkError/invalidLeanGrid(_:)`` for anything else.
    public init(parsing text: String) throws(DecodeBenchmarkError) {
      if text == "resident" {
        self = .resident
      } else if let n = Int(text), n >= 1 {
        self = .ctas(n)
      } else {
        throw .invalidLeanGrid(text)
      }
    }
  }

  /// The partitioner of `kind` for `p` as the benchmark runs it: the lean one
  /// with `leanGrid` CTAs (`nil`: ONNX Runtime's formula over the segment
  /// kernel's CTAs per SM, ``DecodeSupport/ctasPerSM(rowsPerPass:)``), the
  /// others with their defaults.
  static func partitioner(_ kind: PartitionerKind, for p: AttentionProblem, leanGrid: Int?)
    -> any Partitioner
  {
    let slots = DecodeSupport.ctasPerSM(
      rowsPerPass: DecodeSupport.rowsPerPass(groupSize: p.groupSize))
    return kind.make(grid: kind == .lean ? leanGrid : nil, ctasPerSM: slots)
  }
}
