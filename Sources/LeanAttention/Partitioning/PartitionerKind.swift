/// The three partitioners by name, as command lines and golden-file metadata spell them.
public enum PartitionerKind: String, CaseIterable, Hashable, Sendable, Codable {
  /// ``PerHeadPartitioner``: one CTA per output tile (FlashAttention).
  case perHead = "per-head"
  /// ``FixedSplitPartitioner``: equal splits per output tile (FlashDecoding).
  case fixedSplit = "fixed-split"
  /// ``LeanPartitioner``: equal lean tiles per CTA (LeanAttention, Stream-K).
  case lean

  /// The partitioner, with optional overrides (each ignored where it does not apply).
  public func make(grid: Int? = nil, splits: Int? = nil, blockN: Int? = nil) -> any Partitioner {
    switch self {
    case .perHead: return PerHeadPartitioner(blockN: blockN)
    case .fixedSplit: return FixedSplitPartitioner(numSplits: splits, blockN: blockN)
    case .lean: return LeanPartitioner(grid: grid, blockN: blockN)
    }
  }
}
