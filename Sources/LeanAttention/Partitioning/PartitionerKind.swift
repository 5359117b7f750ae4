/// The partitioners by name, as command lines and golden-file metadata spell them.
public enum PartitionerKind: String, CaseIterable, Hashable, Sendable, Codable {
  /// ``PerHeadPartitioner``: one CTA per output tile (FlashAttention).
  case perHead = "per-head"
  /// ``FixedSplitPartitioner``: equal splits per output tile (FlashDecoding).
  case fixedSplit = "fixed-split"
  /// ``LeanPartitioner``: equal lean tiles per CTA (LeanAttention, Stream-K).
  case lean
  /// ``BalancedSplitPartitioner``: the smallest KV chunk that fits one wave (FlashInfer's decode plan).
  case balancedSplit = "balanced-split"
  /// ``FA3SplitPartitioner``: FlashAttention-3's split heuristic, dynamic per request for varlen batches.
  case fa3Split = "fa3-split"

  /// The partitioner, with optional overrides (each ignored where it does not apply):
  /// `grid` and `ctasPerSM` (lean), `splits` (fixed-split, fa3-split), `pageSize`
  /// and `fixedSplitSize` (balanced-split, in tokens and pages), `blockN` (all).
  public func make(
    grid: Int? = nil, splits: Int? = nil, blockN: Int? = nil, pageSize: Int? = nil,
    fixedSplitSize: Int? = nil, ctasPerSM: Int? = nil
  ) -> any Partitioner {
    switch self {
    case .perHead: return PerHeadPartitioner(blockN: blockN)
    case .fixedSplit: return FixedSplitPartitioner(numSplits: splits, blockN: blockN)
    case .lean: return LeanPartitioner(grid: grid, blockN: blockN, ctasPerSM: ctasPerSM)
    case .balancedSplit:
      return BalancedSplitPartitioner(
        pageSize: pageSize, fixedSplitSize: fixedSplitSize, blockN: blockN)
    case .fa3Split: return FA3SplitPartitioner(numSplits: splits, blockN: blockN)
    }
  }
}
