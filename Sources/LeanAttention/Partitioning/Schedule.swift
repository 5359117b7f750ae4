/// A contiguous run of KV blocks of one output tile, computed by one CTA.
public struct Segment: Hashable, Sendable, Codable {
  /// Index into ``Schedule/outputs``.
  public var output: Int
  /// The KV blocks, a sub-range of the output's visible blocks.
  public var blocks: Range<Int>

  public init(output: Int, blocks: Range<Int>) {
    self.output = output
    self.blocks = blocks
  }
}

/// A CTA that sends its partial state of an output tile to the host.
public struct Peer: Hashable, Sendable, Codable {
  /// The sending CTA.
  public var cta: Int
  /// The split index: 1, 2, … in KV order (the host holds split 0).
  public var split: Int
}

/// Who combines the pieces of one output tile.
///
/// The host is the CTA whose segment holds the tile's first visible KV block
/// (split 0); it waits for the peers' partial states, merges them and writes
/// the final output.
public struct ReductionGroup: Hashable, Sendable, Codable {
  /// Index into ``Schedule/outputs``.
  public var output: Int
  /// The host CTA.
  public var host: Int
  /// The other CTAs, in split order.
  public var peers: [Peer]
}

/// A decomposition of an attention problem into CTAs.
///
/// Each CTA runs its segments in order; every visible lean tile belongs to
/// exactly one segment; every output tile with work has one reduction group.
/// A schedule is data: it can be encoded, checked by ``validate(for:)``,
/// executed on the CPU by ``ScheduleExecutor`` or uploaded to a GPU.
public struct Schedule: Hashable, Sendable, Codable {
  /// Which partitioner made it (`per-head`, `fixed-split`, `lean`).
  public var partitioner: String
  /// The device it was made for.
  public var device: DeviceModel
  /// KV tokens per lean tile.
  public var blockN: Int
  /// Every output tile in global order (empty ones included).
  public var outputs: [OutputTile]
  /// The segments of each CTA, in execution order; a CTA may have none.
  public var ctas: [[Segment]]
  /// The reduction group of every output tile with at least one segment.
  public var groups: [ReductionGroup]
  /// Splits per output tile (fixed-split only).
  public var numSplits: Int?

  public init(
    partitioner: String, device: DeviceModel, blockN: Int, outputs: [OutputTile], ctas: [[Segment]],
    groups: [ReductionGroup], numSplits: Int? = nil
  ) {
    self.partitioner = partitioner
    self.device = device
    self.blockN = blockN
    self.outputs = outputs
    self.ctas = ctas
    self.groups = groups
    self.numSplits = numSplits
  }

  /// Builds the reduction groups implied by the CTAs' segments.
  ///
  /// For each output, its segments sorted by first block get split indices
  /// 0, 1, …; split 0's CTA is the host.
  public static func groups(outputs: Int, ctas: [[Segment]]) -> [ReductionGroup] {
    var pieces = [[(first: Int, cta: Int)]](repeating: [], count: outputs)
    for (c, segments) in ctas.enumerated() {
      for s in segments where !s.blocks.isEmpty {
        pieces[s.output].append((s.blocks.lowerBound, c))
      }
    }
    var groups: [ReductionGroup] = []
    for (o, p) in pieces.enumerated() where !p.isEmpty {
      let sorted = p.sorted { $0.first < $1.first }
      groups.append(
        ReductionGroup(
          output: o, host: sorted[0].cta,
          peers: sorted.dropFirst().enumerated().map {
            Peer(cta: $0.element.cta, split: $0.offset + 1)
          }))
    }
    return groups
  }
}
