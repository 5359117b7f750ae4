/// How the partial states of an output tile cut into several pieces are merged.
///
/// The strategy belongs to the schedule, not to the partitioner's name, so an
/// executor picks its launch from it and a user's own partitioner says which
/// reduction its schedule needs.
public enum ReductionStrategy: String, Hashable, Sendable, Codable {
  /// The host CTA (split 0) merges its peers' partial states in the same
  /// launch (lean, per-head).
  case hostMerge = "host-merge"
  /// Every piece writes its partial state and a separate combine pass merges
  /// the splits (fixed-split, FlashDecoding).
  case combinePass = "combine-pass"
}
