/// A contiguous run of KV blocks of one output tile, computed by one CTA.
public struct Segment: Hashable, Sendable, Codable {
  /// Index into ``Schedule/outputs``.
  public var output: Int
  /// The KV blocks, a sub-range of the output's visible blocks.
  public var blocks: Range<Int>

  /// The segment of `output` over KV `blocks`.
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
///
/// The schedule carries what its consumers need, computed once when it is made
/// or decoded: each output's ``pieces`` in KV order (a piece's index is its
/// split), the ``groups`` derived from them, ``maxSplits`` and the
/// ``reduction`` strategy. Consumers read these and never ask which
/// partitioner made the schedule, so a user's own ``Partitioner`` works with
/// every executor. The CTAs, outputs and groups are immutable, so the derived
/// view cannot go stale.
public struct Schedule: Hashable, Sendable {
  /// Which partitioner made it (`per-head`, `fixed-split`, `lean`, or a user's
  /// own name); for display only.
  public var partitioner: String
  /// The device it was made for.
  public var device: DeviceModel
  /// KV tokens per lean tile.
  public let blockN: Int
  /// Every output tile in global order (empty ones included).
  public let outputs: [OutputTile]
  /// The segments of each CTA, in execution order; a CTA may have none.
  public let ctas: [[Segment]]
  /// How outputs cut into several pieces are merged.
  public var reduction: ReductionStrategy
  /// Splits per output tile, when the partitioner cuts every output alike (fixed-split).
  public var numSplits: Int?
  /// CTAs that take one lean tile more than the rest, when the partitioner
  /// balances loads that way (lean); `nil` otherwise.
  public var highLoadCTAs: Int?

  /// The reduction group of every output tile with at least one piece, in output order.
  public let groups: [ReductionGroup]
  /// Every output's non-empty pieces, in KV order: `pieces[output][split]`.
  ///
  /// Split indices, hosts and peers are all read from this one ordering.
  /// Segments naming an output outside `0..<outputs.count` are left out here;
  /// ``validate(for:)`` reports them.
  public let pieces: [[Piece]]
  /// The most pieces of any output tile (0 when no output has work).
  public let maxSplits: Int

  /// One piece of an output tile: a segment and the CTA that runs it.
  public struct Piece: Hashable, Sendable {
    /// The CTA that runs the segment.
    public var cta: Int
    /// The segment's KV blocks.
    public var blocks: Range<Int>

    /// The piece of `blocks` run by CTA `cta`.
    public init(cta: Int, blocks: Range<Int>) {
      self.cta = cta
      self.blocks = blocks
    }
  }

  /// A schedule whose pieces and reduction groups are derived from its CTAs'
  /// segments: split 0's CTA hosts, the others are peers in KV order.
  ///
  /// - Complexity: O(outputs + segments · log segments).
  public init(
    partitioner: String, device: DeviceModel, blockN: Int, outputs: [OutputTile],
    ctas: [[Segment]], reduction: ReductionStrategy, numSplits: Int? = nil,
    highLoadCTAs: Int? = nil
  ) {
    self.partitioner = partitioner
    self.device = device
    self.blockN = blockN
    self.outputs = outputs
    self.ctas = ctas
    self.reduction = reduction
    self.numSplits = numSplits
    self.highLoadCTAs = highLoadCTAs
    var pieces = [[Piece]](repeating: [], count: outputs.count)
    for (c, segments) in ctas.enumerated() {
      for s in segments where !s.blocks.isEmpty && pieces.indices.contains(s.output) {
        pieces[s.output].append(Piece(cta: c, blocks: s.blocks))
      }
    }
    self.pieces = pieces.map { $0.sorted { $0.blocks.lowerBound < $1.blocks.lowerBound } }
    self.maxSplits = self.pieces.map(\.count).max() ?? 0
    self.groups = self.pieces.enumerated().compactMap { o, list in
      list.first.map { host in
        ReductionGroup(
          output: o, host: host.cta,
          peers: list.dropFirst().enumerated().map {
            Peer(cta: $0.element.cta, split: $0.offset + 1)
          }
        )
      }
    }
  }
}
