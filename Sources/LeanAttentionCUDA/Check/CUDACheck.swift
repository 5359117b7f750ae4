import LeanAttentionGolden

/// The GPU check of `leanattn cuda-check`: golden fixtures and random cases
/// under every partitioner, two deliberately unusual schedules, and the
/// invariant (canonical-tree) mode, each judged with `compare`'s rule.
///
/// ``run(on:progress:)`` makes, in order:
/// 1. every supported fixture under every partitioner on each of
///    ``fixtureModels()`` (``fixtureRuns(of:)``);
/// 2. ``randomCases`` random decode cases of ``seed``, partitioners and SM
///    counts taken in turn (``randomRuns()``);
/// 3. the missing-peer check (``missingPeerCheck(_:)``);
/// 4. the user-defined partitioner check (``userPartitionerCheck(_:)``);
/// 5. the invariant mode on every supported fixture and ``invariantCases``
///    random cases (``invariantRandomCases()``, ``checkInvariant(_:seed:fixture:on:skipped:)``).
///
/// Every run is reported to a closure as it completes, and the whole is
/// returned as a ``CUDACheckReport``.
public struct CUDACheck: Sendable {
  /// Paths of the golden fixtures to run, in order.
  public var fixtures: [String]
  /// How many random decode cases to run (0 or more).
  public var randomCases: Int
  /// The seed of the random cases; the invariant mode's random cases use
  /// `seed &+ 0x1_0000`.
  public var seed: UInt64
  /// How many random cases the invariant mode checks besides the fixtures (0 or more).
  public var invariantCases: Int

  /// A check of `fixtures` (golden file paths), `randomCases` random cases of
  /// `seed` and `invariantCases` random cases in the invariant mode.
  public init(fixtures: [String], randomCases: Int, seed: UInt64, invariantCases: Int) {
    self.fixtures = fixtures
    self.randomCases = randomCases
    self.seed = seed
    self.invariantCases = invariantCases
  }
}
