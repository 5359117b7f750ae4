/// A deliberately awkward partitioner, for checking that executors and the
/// schedule's derived view read only the schedule: no partitioner in
/// ``PartitionerKind`` makes such schedules.
///
/// Every output is cut into pieces of one KV block, dealt to ``grid`` CTAs
/// round-robin from the last CTA down (piece `n`, counted over outputs in
/// order and blocks in KV order, goes to CTA `grid − 1 − n mod grid`), so a
/// CTA runs pieces of several outputs and split order is not CTA order; a
/// combine pass merges them.
public struct RoundRobinPartitioner: Partitioner {
  /// `round-robin`.
  public var name: String { "round-robin" }
  /// KV tokens per block; `nil` for the default of the head dimension.
  public var blockN: Int?
  /// CTAs of the schedule (1 or more).
  public var grid: Int

  /// A round-robin partitioner of `grid` CTAs and `blockN`-token blocks.
  public init(blockN: Int?, grid: Int) {
    self.blockN = blockN
    self.grid = grid
  }

  /// The round-robin schedule of `problem`; `device` is recorded, not used.
  ///
  /// - Throws: `AttentionError.invalidParameter` when ``grid`` is below 1, and
  ///   the tile space's errors for a bad ``blockN``.
  /// - Complexity: O(visible blocks of all outputs).
  public func schedule(_ problem: AttentionProblem, on device: DeviceModel) throws(AttentionError)
    -> Schedule
  {
    guard grid >= 1 else {
      throw .invalidParameter(name: "grid", value: "\(grid)", allowed: "1 or more")
    }
    let space = try LeanTileSpace(problem: problem, blockN: blockN)
    var ctas = [[Segment]](repeating: [], count: grid)
    var next = 0
    for (i, o) in space.outputs.enumerated() {
      for k in o.visibleBlocks {
        ctas[grid - 1 - next % grid].append(Segment(output: i, blocks: k..<(k + 1)))
        next += 1
      }
    }
    return Schedule(
      partitioner: name, device: device, blockN: space.blockN, outputs: space.outputs, ctas: ctas,
      reduction: .combinePass)
  }
}
