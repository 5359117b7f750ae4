/// In which order the partial states of an output tile are merged.
public enum ReductionOrder: String, Sendable, Hashable, CaseIterable, Codable {
  /// Each CTA folds its tiles left to right into one partial state; the host
  /// folds its peers' states in split order. The result depends on where the
  /// schedule cuts the KV range (in the last bits).
  case leftFold = "left-fold"
  /// Every merge is a node of the ``CanonicalTree`` over the output's tiles:
  /// each CTA emits the complete subtrees inside its range, the host finishes
  /// the tree. The result is the same bits under every partition
  /// (`Docs/PartitionInvariance.md`).
  case canonicalTree = "canonical-tree"
}
