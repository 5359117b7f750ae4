/// Numbers that describe a schedule: load balance, splits, and a simulated timeline.
///
/// The timeline is a model, not a measurement: `smCount × ctasPerSM` slots,
/// each running at `1 / ctasPerSM` of its SM's speed; CTAs start in launch
/// order on the slot that frees first (the GPU's block scheduler). A CTA costs
/// the KV tokens of its tiles (a tile of `n` tokens costs `n`), plus
/// ``fixupCost`` per partial state it writes as a peer and per partial state it
/// reads and merges as a host. The fix-up cost defaults to `blockN / 4`: writing
/// or reading one row block's `(o, lse)` is about a quarter of streaming a tile
/// of K and V through the SM. Waiting of hosts for late peers is not modelled.
public struct ScheduleMetrics: Hashable, Sendable, Codable {
  /// The partitioner's name (``Partitioner/name``).
  public var partitioner: String
  /// The device model's name.
  public var device: String
  /// CTAs in the schedule.
  public var grid: Int
  /// Lean tiles of the problem (visible KV blocks of every output tile).
  public var totalTiles: Int
  /// Tiles of one output tile when every output has the same count.
  public var tilesPerHead: Int?
  /// KV tokens per lean tile.
  public var blockN: Int
  /// Most tiles any CTA runs.
  public var maxTilesPerCTA: Int
  /// Fewest tiles any CTA with work runs.
  public var minTilesPerCTA: Int
  /// CTAs that take the larger load (``Schedule/highLoadCTAs``, lean), or all CTAs with work.
  public var highLoadCTAs: Int
  /// Splits per output tile, when the partitioner uses one count for all (fixed-split).
  public var numSplits: Int?
  /// Most pieces any output tile is cut into.
  public var maxSplitsPerOutput: Int
  /// `splitHistogram[k]` output tiles are cut into `k` pieces (key as a string for JSON).
  public var splitHistogram: [String: Int]
  /// Partial states written by peers (the host keeps its own piece).
  public var partialStates: Int
  /// `grid / (smCount · ctasPerSM)`.
  public var waves: Double
  /// `waves / ⌈waves⌉`: the wave-quantization efficiency FlashAttention's heuristic maximizes.
  public var waveEfficiency: Double
  /// Simulated finish time of the last CTA, in KV-token units.
  public var makespan: Double
  /// `Σ CTA cost / (smCount · makespan)`.
  public var smUtilization: Double
  /// The fix-up cost per partial state used by the simulation.
  public var fixupCost: Double
}

/// When one segment of a CTA ran in the simulated timeline.
public struct SegmentSpan: Hashable, Sendable, Codable {
  /// The segment.
  public var segment: Segment
  /// Simulated start, in KV-token units.
  public var start: Double
  /// Simulated end, in KV-token units (after its fix-up cost).
  public var end: Double
  /// The CTA is a peer of this output: it writes a partial state at the end.
  public var writesPartial: Bool
  /// The CTA hosts this output and merges this many peers' partial states at the end.
  public var mergesPartials: Int
}

/// Where and when one CTA ran in the simulated timeline.
public struct CTAPlacement: Hashable, Sendable, Codable {
  /// The CTA's index in launch order.
  public var cta: Int
  /// The SM it ran on.
  public var sm: Int
  /// Its slot on that SM (`0 ..< ctasPerSM`).
  public var slot: Int
  /// Simulated start, in KV-token units.
  public var start: Double
  /// Simulated end, in KV-token units.
  public var end: Double
  /// The CTA's segments, back to back from `start` to `end`.
  public var segments: [SegmentSpan]
}

extension Schedule {
  /// Simulates the schedule; returns the placements and the metrics.
  ///
  /// - Parameters:
  ///   - kvLengths: each request's KV length, to cost a request's last, short block by its tokens.
  ///   - fixupCost: cost of writing or merging one partial state; `blockN / 4` when `nil`.
  /// - Complexity: O(segments + grid · log(slots)).
  public func simulate(kvLengths: [Int], fixupCost: Double? = nil) -> (
    timeline: [CTAPlacement], metrics: ScheduleMetrics
  ) {
    let fix = fixupCost ?? Double(blockN) / 4
    let peers = Set(groups.flatMap { g in g.peers.map { [$0.cta, g.output] } })
    let hostPeers = Dictionary(
      groups.map { ([$0.host, $0.output], $0.peers.count) }, uniquingKeysWith: +)
    // Each segment's cost, and what it writes or merges; times are filled in below.
    var spans: [[SegmentSpan]] = []
    var costs: [Double] = []
    var tilesPerCTA: [Int] = []
    for (c, segments) in ctas.enumerated() {
      var cost = 0.0
      var list: [SegmentSpan] = []
      for s in segments {
        let len = kvLengths[outputs[s.output].request]
        var segmentCost = 0.0
        for k in s.blocks {
          segmentCost += Double(Swift.max(0, Swift.min((k + 1) * blockN, len) - k * blockN))
        }
        let writes = peers.contains([c, s.output])
        let merges = hostPeers[[c, s.output]] ?? 0
        segmentCost += (writes ? fix : 0) + Double(merges) * fix
        list.append(
          SegmentSpan(
            segment: s, start: cost, end: cost + segmentCost, writesPartial: writes,
            mergesPartials: merges))
        cost += segmentCost
      }
      spans.append(list)
      costs.append(cost)
      tilesPerCTA.append(segments.reduce(0) { $0 + $1.blocks.count })
    }
    // Greedy list scheduling on slots.
    let slots = device.smCount * device.ctasPerSM
    var free = [Double](repeating: 0, count: slots)
    var timeline: [CTAPlacement] = []
    for (c, cost) in costs.enumerated() {
      var best = 0
      for s in 1..<slots where free[s] < free[best] { best = s }
      let start = free[best]
      let rate = Double(device.ctasPerSM)  // a slot runs at 1/ctasPerSM of the SM
      let end = start + cost * rate
      free[best] = end
      let placed = spans[c].map {
        var span = $0
        span.start = start + $0.start * rate
        span.end = start + $0.end * rate
        return span
      }
      timeline.append(
        CTAPlacement(
          cta: c, sm: best / device.ctasPerSM, slot: best % device.ctasPerSM, start: start,
          end: end,
          segments: placed))
    }
    let makespan = free.max() ?? 0
    let busy = costs.reduce(0, +)
    var histogram: [String: Int] = [:]
    for list in pieces where !list.isEmpty { histogram[String(list.count), default: 0] += 1 }
    let working = tilesPerCTA.filter { $0 > 0 }
    let maxTiles = tilesPerCTA.max() ?? 0
    let perOutput = Set(outputs.map(\.visibleBlocks.count))
    let waves = Double(ctas.count) / Double(slots)
    let metrics = ScheduleMetrics(
      partitioner: partitioner, device: device.name, grid: ctas.count,
      totalTiles: tilesPerCTA.reduce(0, +),
      tilesPerHead: perOutput.count == 1 ? perOutput.first : nil,
      blockN: blockN, maxTilesPerCTA: maxTiles, minTilesPerCTA: tilesPerCTA.min() ?? 0,
      highLoadCTAs: highLoadCTAs ?? working.count,
      numSplits: numSplits, maxSplitsPerOutput: maxSplits, splitHistogram: histogram,
      partialStates: groups.reduce(0) { $0 + $1.peers.count }, waves: waves,
      waveEfficiency: waves == 0 ? 0 : waves / waves.rounded(.up),
      makespan: makespan,
      smUtilization: makespan == 0 ? 0 : busy / (Double(device.smCount) * makespan),
      fixupCost: fix)
    return (timeline, metrics)
  }
}
