import LeanAttention

extension DecodeBenchmark {
  /// What a benchmark run measures besides the workload: the partitioners in
  /// order, the element type, the lean grid, paging, the timing rules and the
  /// invariant mode. Checked when made.
  public struct Configuration: Hashable, Sendable {
    /// The partitioners to measure, in order.
    public let partitioners: [PartitionerKind]
    /// The element type of the inputs and the output.
    public let dtype: ElementType
    /// The lean schedule's grid.
    public let leanGrid: LeanGrid
    /// Tokens a K/V page (paged inputs), or `nil` for contiguous K/V.
    public let pageSize: Int?
    /// Calls timed per configuration.
    public let calls: Int
    /// The L2 capacity in bytes that the K/V rotation defeats
    /// (``DecodeBenchmark/keyValueSets(keyValueBytes:l2Bytes:)``).
    public let l2Bytes: Int
    /// Whether each partitioner is also measured in the invariant
    /// (canonical-tree) mode.
    public let invariant: Bool

    /// Timed calls allowed: 50 to 100 000 (a median of fewer is noise).
    public static let callsRange = 50...100_000
    /// Tokens a page allowed: 1 to 2¹⁶.
    public static let pageSizeRange = 1...(1 << 16)
    /// L2 capacities allowed: 0 to 2⁴⁰ bytes.
    public static let l2BytesRange = 0...(1 << 40)

    /// A checked configuration; the defaults are `leanattn bench cuda`'s.
    ///
    /// - Throws: ``DecodeBenchmarkError/callsOutOfRange(_:)``,
    ///   ``DecodeBenchmarkError/pageSizeOutOfRange(_:)``,
    ///   ``DecodeBenchmarkError/l2BytesOutOfRange(_:)``, or
    ///   ``DecodeBenchmarkError/invalidLeanGrid(_:)`` for `.ctas(n)` with `n < 1`.
    public init(
      partitioners: [PartitionerKind] = PartitionerKind.allCases, dtype: ElementType = .f16,
      leanGrid: LeanGrid = .kernelSlots, pageSize: Int? = nil, calls: Int = 100,
      l2Bytes: Int = 50_000_000, invariant: Bool = false
    ) throws(DecodeBenchmarkError) {
      if case .ctas(let n) = leanGrid, n < 1 { throw .invalidLeanGrid("\(n)") }
      guard Self.callsRange.contains(calls) else { throw .callsOutOfRange(calls) }
      if let pageSize, !Self.pageSizeRange.contains(pageSize) {
        throw .pageSizeOutOfRange(pageSize)
      }
      guard Self.l2BytesRange.contains(l2Bytes) else { throw .l2BytesOutOfRange(l2Bytes) }
      self.partitioners = partitioners
      self.dtype = dtype
      self.leanGrid = leanGrid
      self.pageSize = pageSize
      self.calls = calls
      self.l2Bytes = l2Bytes
      self.invariant = invariant
    }

    /// Every partitioner for `all`, else the one named (`lean`, `fixed-split`, …).
    ///
    /// - Throws: ``DecodeBenchmarkError/unknownPartitioner(_:)``.
    public static func partitioners(named name: String) throws(DecodeBenchmarkError)
      -> [PartitionerKind]
    {
      if name == "all" { return PartitionerKind.allCases }
      guard let kind = PartitionerKind(rawValue: name) else { throw .unknownPartitioner(name) }
      return [kind]
    }

    /// Throws unless the inputs of `p` under this configuration fit the
    /// kernels: the decode kernels run `p`, and paged K/V (every request's
    /// whole pages) holds at most `Int32.max` tokens.
    ///
    /// - Throws: ``DecodeBenchmarkError/unsupported(_:)`` or
    ///   ``DecodeBenchmarkError/pagePoolTooLarge(tokens:)``.
    /// - Complexity: O(requests).
    public func check(_ p: AttentionProblem) throws(DecodeBenchmarkError) {
      if let why = DecodeSupport.unsupportedReason(p) { throw .unsupported(why) }
      guard let pageSize else { return }
      // Lengths ≤ Int32.max each (checked above) and pages ≤ 2^16 tokens: no
      // sum of a request's whole pages overflows before the running total is checked.
      var tokens = 0
      for r in p.requests {
        tokens += (r.kvLength + pageSize - 1) / pageSize * pageSize
        if tokens > Int(Int32.max) { throw .pagePoolTooLarge(tokens: tokens) }
      }
    }
  }
}
