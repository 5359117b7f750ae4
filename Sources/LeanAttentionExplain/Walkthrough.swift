import LeanAttention
import LeanAttentionGolden

/// A decomposition of one small decode problem, made visible step by step:
/// the lean tiles, the schedule, every CTA's partial states, every merge a
/// host performs with its rescaling factors, and the output next to exact
/// attention.
///
/// Everything is computed in Float64 with the library's fixed-order
/// arithmetic (`ScheduleExecutor.run(…, arithmetic: .fixedOrder)` and
/// `FixedOrderAttention`), so the numbers are the same bits on every machine.
/// The merges are replayed from the executor's partial states in the
/// executor's order — the host's own piece first, then its peers in split
/// order — and the replay's result is the executor's output.
public struct Walkthrough: Sendable {
  /// One packed query row of an output tile: a query head of the decode token.
  public struct Row: Hashable, Sendable {
    /// The query head.
    public var queryHead: Int
    /// The query token (0 for decode).
    public var token: Int
  }

  /// An output tile (a KV head's packed query rows) and its lean tiles.
  public struct Head: Hashable, Sendable {
    /// Index into the schedule's outputs.
    public var output: Int
    /// The KV head.
    public var kvHead: Int
    /// Its packed query rows.
    public var rows: [Row]
    /// The KV tokens of each of its lean tiles, in order; tile `k` is KV block `k`.
    public var tiles: [Range<Int>]
  }

  /// The state of one packed row over one piece's keys.
  public struct RowState: Hashable, Sendable {
    /// The packed row.
    public var row: Row
    /// Natural-log log-sum-exp of the row's scores over the piece.
    public var logSumExp: Double
    /// The normalized partial output `o` (all `D` values).
    public var output: [Double]
  }

  /// A contiguous run of KV blocks of one head, computed by one CTA.
  public struct Piece: Hashable, Sendable {
    /// Index into ``Walkthrough/heads``.
    public var head: Int
    /// The CTA that computes it.
    public var cta: Int
    /// Its index among the head's pieces in KV order; split 0 belongs to the host.
    public var split: Int
    /// Its KV blocks.
    public var blocks: Range<Int>
    /// Its KV tokens.
    public var tokens: Range<Int>
    /// The partial state of every packed row of the head.
    public var states: [RowState]
    /// Simulated start and end, in KV-token units (from `Schedule.simulate`).
    public var start: Double
    /// See ``start``.
    public var end: Double
  }

  /// One CTA: its place in the simulated timeline and its pieces in execution order.
  public struct CTA: Hashable, Sendable {
    /// The CTA's index in launch order.
    public var index: Int
    /// The SM it ran on in the simulated timeline.
    public var sm: Int
    /// Simulated start and end, in KV-token units.
    public var start: Double
    /// See ``start``.
    public var end: Double
    /// Its pieces in execution order.
    public var pieces: [Piece]
    /// The heads it hosts (it merges their pieces and writes their output).
    public var hosts: [Int]
  }

  /// One merge of a host: the running state of a row with the next piece's state.
  ///
  /// With `a` the running LSE, `b` the incoming one and `m = max(a, b)`:
  /// `w_a = e^{a−m}`, `w_b = e^{b−m}`, `lse = m + log(w_a + w_b)`,
  /// `o = (w_a / (w_a + w_b))·o_a + (w_b / (w_a + w_b))·o_b`.
  public struct Merge: Hashable, Sendable {
    /// The packed row being merged.
    public var row: Row
    /// The split merged in, and the CTA that computed it.
    public var split: Int
    /// The CTA that computed the incoming split.
    public var cta: Int
    /// The running LSE (pieces `0..<split` merged) and the incoming piece's LSE.
    public var runningLSE: Double
    /// The incoming piece's LSE `b`.
    public var incomingLSE: Double
    /// `e^{a−m}` and `e^{b−m}`.
    public var runningWeight: Double
    /// `e^{b−m}`, the incoming state's weight.
    public var incomingWeight: Double
    /// The rescaling factors applied to the two outputs: `w_a / (w_a + w_b)` and `w_b / (w_a + w_b)`.
    public var runningFactor: Double
    /// `w_b / (w_a + w_b)`, the factor on the incoming output.
    public var incomingFactor: Double
    /// The merged state.
    public var result: RowState
  }

  /// What the host of one head does: merges its pieces and writes the output.
  public struct Reduction: Hashable, Sendable {
    /// The head (index into ``Walkthrough/heads``).
    public var head: Int
    /// The CTA that hosts it.
    public var host: Int
    /// Every merge, row by row, in the host's order.
    public var merges: [Merge]
  }

  /// The final output of one row next to exact attention.
  public struct Result: Hashable, Sendable {
    /// The packed row.
    public var row: Row
    /// The decomposition's output and LSE.
    public var output: [Double]
    /// The decomposition's natural-log LSE.
    public var logSumExp: Double
    /// Exact attention's output and LSE (fixed-order Float64, no splits).
    public var exactOutput: [Double]
    /// Exact attention's natural-log LSE.
    public var exactLogSumExp: Double
  }

  /// What was asked.
  public var configuration: WalkthroughConfiguration
  /// The problem.
  public var problem: AttentionProblem
  /// The schedule the partitioner made.
  public var schedule: Schedule
  /// Its simulated metrics.
  public var metrics: ScheduleMetrics
  /// Every output tile with its lean tiles, in global order.
  public var heads: [Head]
  /// Every CTA of the grid.
  public var ctas: [CTA]
  /// One reduction per head with work.
  public var reductions: [Reduction]
  /// One result per packed row, in head order.
  public var results: [Result]
  /// `max |O − O_exact|` over every output element.
  public var maxOutputError: Double
  /// `max |LSE − LSE_exact|` over every row.
  public var maxLSEError: Double

  /// Builds the walkthrough of `configuration`.
  ///
  /// - Throws: `AttentionError` for sizes outside
  ///   ``WalkthroughConfiguration/limits`` or a problem the library rejects.
  /// - Complexity: O(tokens · heads · D).
  public init(_ configuration: WalkthroughConfiguration) throws(AttentionError) {
    let problem = try configuration.problem()
    let device = try configuration.device()
    let schedule = try configuration.partitioner.make(
      grid: configuration.grid, splits: configuration.splits, blockN: configuration.blockN
    ).schedule(problem, on: device)
    let inputs = SeededInputs.contiguous(problem, seed: configuration.seed, as: Float.self)
    let execution = try ScheduleExecutor.run(
      schedule, on: inputs, in: Double.self, arithmetic: .fixedOrder)
    let exact = FixedOrderAttention.compute(inputs, in: Double.self)
    self.init(
      configuration: configuration, problem: problem, execution: execution, exact: exact)
  }

  init(
    configuration: WalkthroughConfiguration, problem p: AttentionProblem,
    execution: ScheduleExecutor.Execution<Double>, exact: AttentionOutput<Double>
  ) {
    let schedule = execution.schedule
    let d = p.headDim
    let (timeline, metrics) = schedule.simulate(kvLengths: p.requests.map(\.kvLength))
    func rows(_ output: Int) -> [Row] {
      let tile = schedule.outputs[output]
      return tile.rows.map { r in
        let flat = tile.queryRow(r, in: p)
        return Row(
          queryHead: flat % p.queryHeads, token: flat / p.queryHeads - p.queryOffsets[tile.request])
      }
    }
    func tokens(_ output: Int, _ blocks: Range<Int>) -> Range<Int> {
      let length = p.requests[schedule.outputs[output].request].kvLength
      return Swift.min(
        blocks.lowerBound * schedule.blockN, length)..<Swift.min(
          blocks.upperBound * schedule.blockN, length)
    }
    let heads = schedule.outputs.enumerated().map { i, tile in
      Head(
        output: i, kvHead: tile.kvHead, rows: rows(i),
        tiles: tile.visibleBlocks.map { tokens(i, $0..<($0 + 1)) })
    }
    // The executor's pieces are in KV order per output: the schedule's own `pieces`.
    let order = schedule.pieces
    var piecesByCTA = [[Piece]](repeating: [], count: schedule.ctas.count)
    var span: [[Int]: SegmentSpan] = [:]
    for placement in timeline {
      for s in placement.segments {
        span[[placement.cta, s.segment.output, s.segment.blocks.lowerBound]] = s
      }
    }
    for (output, list) in order.enumerated() {
      let headRows = heads[output].rows
      for (split, piece) in list.enumerated() {
        let states = zip(headRows, execution.pieces[output][split]).map {
          RowState(row: $0, logSumExp: $1.logSumExp, output: $1.output)
        }
        piecesByCTA[piece.cta].append(
          Piece(
            head: output, cta: piece.cta, split: split, blocks: piece.blocks,
            tokens: tokens(output, piece.blocks), states: states,
            start: span[[piece.cta, output, piece.blocks.lowerBound]]?.start ?? 0,
            end: span[[piece.cta, output, piece.blocks.lowerBound]]?.end ?? 0))
      }
    }
    // A CTA runs its segments in the schedule's order.
    for (c, segments) in schedule.ctas.enumerated() {
      let position = Dictionary(
        segments.enumerated().map {
          ([$0.element.output, $0.element.blocks.lowerBound], $0.offset)
        },
        uniquingKeysWith: { first, _ in first })
      piecesByCTA[c].sort {
        (position[[$0.head, $0.blocks.lowerBound]] ?? 0)
          < (position[[$1.head, $1.blocks.lowerBound]] ?? 0)
      }
    }
    let hosted = Dictionary(grouping: schedule.groups, by: \.host).mapValues { $0.map(\.output) }
    ctas = timeline.map { placement in
      CTA(
        index: placement.cta, sm: placement.sm, start: placement.start, end: placement.end,
        pieces: piecesByCTA[placement.cta], hosts: hosted[placement.cta] ?? [])
    }
    // Replay every host's merges in the executor's order.
    reductions = schedule.groups.map { group in
      let parts = execution.pieces[group.output]
      let list = order[group.output]
      var merges: [Merge] = []
      for (index, row) in heads[group.output].rows.enumerated() {
        var state = parts[0][index]
        for split in parts.indices.dropFirst() {
          let incoming = parts[split][index]
          let merged = AttentionState.merge(state, incoming)
          let m = Swift.max(state.logSumExp, incoming.logSumExp)
          let wa = state.isEmpty ? 0 : Double.portableExp(state.logSumExp - m)
          let wb = incoming.isEmpty ? 0 : Double.portableExp(incoming.logSumExp - m)
          let sum = wa + wb
          merges.append(
            Merge(
              row: row, split: split, cta: list[split].cta, runningLSE: state.logSumExp,
              incomingLSE: incoming.logSumExp, runningWeight: wa, incomingWeight: wb,
              runningFactor: sum > 0 ? wa / sum : 0, incomingFactor: sum > 0 ? wb / sum : 0,
              result: RowState(row: row, logSumExp: merged.logSumExp, output: merged.output)))
          state = merged
        }
      }
      return Reduction(head: group.output, host: group.host, merges: merges)
    }
    var results: [Result] = []
    var maxO = 0.0
    var maxL = 0.0
    let out = execution.result
    for (i, tile) in schedule.outputs.enumerated() {
      for (r, row) in zip(tile.rows, heads[i].rows) {
        let flat = tile.queryRow(r, in: p)
        let o = Array(out.output.storage[(flat * d)..<(flat * d + d)])
        let e = Array(exact.output.storage[(flat * d)..<(flat * d + d)])
        let lse = out.logSumExp.storage[flat]
        let lseExact = exact.logSumExp.storage[flat]
        for (x, y) in zip(o, e) { maxO = Swift.max(maxO, Swift.abs(x - y)) }
        if lse != lseExact { maxL = Swift.max(maxL, Swift.abs(lse - lseExact)) }
        results.append(
          Result(row: row, output: o, logSumExp: lse, exactOutput: e, exactLogSumExp: lseExact))
      }
    }
    self.configuration = configuration
    self.problem = p
    self.schedule = schedule
    self.metrics = metrics
    self.heads = heads
    self.results = results
    maxOutputError = maxO
    maxLSEError = maxL
  }
}
