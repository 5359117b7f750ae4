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

  /// One piece of an output tile: a segment and the CTA that runs it.
  public struct Piece: Hashable, Sendable {
    public var cta: Int
    public var blocks: Range<Int>
  }

  /// Every output's non-empty pieces, in KV order: `pieces[output][split]`.
  ///
  /// Split indices, hosts and peers are all read from this one ordering.
  /// Segments naming an output outside `0..<outputs` are skipped here;
  /// ``validate(for:)`` reports them.
  /// - Complexity: O(segments · log segments).
  public static func pieces(outputs: Int, ctas: [[Segment]]) -> [[Piece]] {
    var pieces = [[Piece]](repeating: [], count: outputs)
    for (c, segments) in ctas.enumerated() {
      for s in segments where !s.blocks.isEmpty && pieces.indices.contains(s.output) {
        pieces[s.output].append(Piece(cta: c, blocks: s.blocks))
      }
    }
    return pieces.map { $0.sorted { $0.blocks.lowerBound < $1.blocks.lowerBound } }
  }

  /// The reduction groups implied by the CTAs' segments: split 0's CTA hosts,
  /// the others are peers with split indices 1, 2, … in KV order.
  public static func groups(outputs: Int, ctas: [[Segment]]) -> [ReductionGroup] {
    pieces(outputs: outputs, ctas: ctas).enumerated().compactMap { o, p in
      p.first.map { host in
        ReductionGroup(
          output: o, host: host.cta,
          peers: p.dropFirst().enumerated().map { Peer(cta: $0.element.cta, split: $0.offset + 1) })
      }
    }
  }
}
