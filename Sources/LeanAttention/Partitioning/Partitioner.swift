/// Turns a problem and a device into a ``Schedule``.
public protocol Partitioner: Sendable {
  /// The partitioner's name in schedules and on the command line.
  var name: String { get }
  /// The KV tokens per lean tile; `nil` picks ``LeanTileSpace/defaultBlockN(headDim:)``.
  var blockN: Int? { get }
  /// A valid schedule of `problem` for `device`.
  func schedule(_ problem: AttentionProblem, on device: DeviceModel) throws(AttentionError)
    -> Schedule
}

/// FlashAttention without splits: one CTA per output tile, which runs all its KV blocks.
public struct PerHeadPartitioner: Partitioner {
  public var name: String { "per-head" }
  public var blockN: Int?

  /// One CTA per output tile, with lean tiles of `blockN` KV tokens (`nil`: the head
  /// dimension's default; the tile size only changes how the timeline is cut, not the work).
  public init(blockN: Int? = nil) { self.blockN = blockN }

  public func schedule(_ problem: AttentionProblem, on device: DeviceModel) throws(AttentionError)
    -> Schedule
  {
    let space = try LeanTileSpace(problem: problem, blockN: blockN)
    let ctas = space.outputs.enumerated().map { i, o in
      o.visibleBlocks.isEmpty ? [] : [Segment(output: i, blocks: o.visibleBlocks)]
    }
    return Schedule(
      partitioner: name, device: device, blockN: space.blockN, outputs: space.outputs, ctas: ctas,
      reduction: .hostMerge)
  }
}
