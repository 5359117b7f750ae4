/// The largest schedules this library builds, checked before any tile is enumerated.
///
/// Building a schedule costs time and memory in proportion to its output tiles
/// and CTAs, and simulating or validating it in proportion to its lean tiles.
/// These caps keep every command interactive (well under a second to build)
/// and refuse absurd workloads in microseconds with a message that says what
/// to shrink, instead of running for minutes or exhausting memory.
public enum ScheduleLimits {
  /// Output tiles (64 packed query rows of one request and KV head).
  public static let maxOutputs = 1 << 21
  /// Lean tiles (an output tile × a block of `blockN` KV tokens).
  public static let maxTiles = 1 << 24
  /// CTAs in one grid.
  public static let maxCTAs = 1 << 21
  /// KV tokens per lean tile.
  public static let blockNRange = 1...(1 << 20)

  /// Throws unless `problem` cut at `blockN` stays within the caps.
  ///
  /// The counts are upper bounds (every KV block of every output), computed
  /// per request with overflow-reporting arithmetic.
  ///
  /// - Throws: ``AttentionError/invalidParameter(name:value:allowed:)`` for
  ///   `blockN`, ``AttentionError/sizeLimitExceeded(what:size:limit:)`` for a cap.
  /// - Complexity: O(requests).
  public static func check(_ problem: AttentionProblem, blockN: Int) throws(AttentionError) {
    guard blockNRange.contains(blockN) else {
      throw .invalidParameter(
        name: "blockN", value: "\(blockN)",
        allowed: "\(blockNRange.lowerBound)...\(blockNRange.upperBound)")
    }
    let rowsPerTile = LeanTileSpace.rowsPerTile
    var outputs: Int? = 0
    var tiles: Int? = 0
    for r in problem.requests {
      let rows = CheckedSize.product([r.queryLength, problem.groupSize])
      let blocks = rows.map { $0 / rowsPerTile + ($0 % rowsPerTile == 0 ? 0 : 1) }
      let o = blocks.flatMap { CheckedSize.product([$0, problem.kvHeads]) }
      let kvBlocks = r.kvLength / blockN + (r.kvLength % blockN == 0 ? 0 : 1)
      let t = o.flatMap { CheckedSize.product([$0, kvBlocks]) }
      outputs = outputs.flatMap { a in o.flatMap { CheckedSize.sum([a, $0]) } }
      tiles = tiles.flatMap { a in t.flatMap { CheckedSize.sum([a, $0]) } }
      if (outputs ?? Int.max) > maxOutputs || (tiles ?? Int.max) > maxTiles { break }
    }
    try cap("output tiles", outputs, maxOutputs)
    try cap("lean tiles", tiles, maxTiles)
  }

  /// Throws unless a grid of `ctas` CTAs (`nil`: overflowed) is within ``maxCTAs``.
  ///
  /// - Throws: ``AttentionError/sizeLimitExceeded(what:size:limit:)``.
  public static func check(ctas: Int?) throws(AttentionError) {
    try cap("grid (CTAs)", ctas, maxCTAs)
  }

  static func cap(_ what: String, _ value: Int?, _ limit: Int) throws(AttentionError) {
    guard let v = value, v <= limit else {
      throw .sizeLimitExceeded(
        what: "the schedule's \(what)",
        size: value.map { "at least \($0)" } ?? "more than Int.max",
        limit: "\(limit); use fewer or shorter requests, fewer heads, or a larger block")
    }
  }
}
