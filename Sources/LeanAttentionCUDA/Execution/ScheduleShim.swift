import LeanAttention

// TEMPORARY: the schedule API another branch adds to `LeanAttention`
// (`Schedule.reduction`, `pieces`, `maxSplits`). Delete this file when that
// branch is merged; nothing else in this target changes.

/// How the partial states of an output's pieces are merged.
enum ReductionStrategy: String, Hashable, Sendable, Codable {
  /// Host CTAs merge their peers' partials in the same launch (lean, per-head).
  case hostMerge = "host-merge"
  /// A separate combine pass merges the splits (fixed-split).
  case combinePass = "combine-pass"
}

extension Schedule {
  /// The reduction strategy (the shim derives it from the partitioner's name).
  var reduction: ReductionStrategy {
    partitioner == PartitionerKind.fixedSplit.rawValue ? .combinePass : .hostMerge
  }

  /// Every output's non-empty pieces in KV order.
  var pieces: [[Piece]] { Schedule.pieces(outputs: outputs.count, ctas: ctas) }

  /// The most pieces of any output (at least 1).
  var maxSplits: Int { max(1, pieces.map(\.count).max() ?? 1) }
}
