import LeanAttention
import LeanAttentionGolden

/// The invariant mode of one walkthrough: the canonical tree of each output,
/// the node states each CTA emits, the host finishing the tree, and the
/// result compared across partitioners.
///
/// The numbers come from fixed-order Float64 arithmetic
/// (`ScheduleExecutor.runCanonicalTree(_:on:in:arithmetic:)`) on the same
/// seeded inputs as ``Walkthrough``, so they are the same on every machine.
public struct CanonicalTreeWalkthrough: Sendable {
  /// One emitted complete subtree.
  public struct EmittedNode: Hashable, Sendable {
    /// The output tile the node belongs to.
    public var output: Int
    /// The CTA that emitted it.
    public var cta: Int
    /// The piece (split) of the output that emitted it, in KV order.
    public var split: Int
    /// Its level and index in the output's canonical tree.
    public var node: CanonicalTree.Node
    /// Its tiles, counted from the output's first visible block.
    public var tiles: Range<Int>
    /// Its KV tokens.
    public var tokens: Range<Int>
    /// The state of each packed row over those tokens.
    public var states: [Walkthrough.RowState]
  }

  /// What was asked.
  public var configuration: WalkthroughConfiguration
  /// The schedule the partitioner made.
  public var schedule: Schedule
  /// Every emitted node, outputs in order, each output's nodes in KV order.
  public var nodes: [EmittedNode]
  /// The finished trees: one result per packed row, as ``Walkthrough/results``.
  public var results: [Walkthrough.Result]
  /// The partitioners whose schedules of the same problem (with this
  /// schedule's `blockN` where they take one) were also run in canonical-tree
  /// order: their `blockN` and whether they gave the same bits as this one.
  /// The tree is fixed by the tiles, so only an equal `blockN` promises equal bits.
  public var sameBits: [(partitioner: PartitionerKind, blockN: Int, same: Bool)]
  /// Indices into ``results`` of each shown output's first row.
  var firstRows: [Int]

  /// Builds the invariant-mode walkthrough of `configuration`.
  ///
  /// - Throws: `AttentionError` as ``Walkthrough/init(_:)`` does.
  /// - Complexity: O(tokens · heads · D) per partitioner (all of them are run).
  public init(_ configuration: WalkthroughConfiguration) throws(AttentionError) {
    self.configuration = configuration
    let p = try configuration.problem()
    let device = try configuration.device()
    func schedule(_ kind: PartitionerKind, blockN: Int?) throws(AttentionError) -> Schedule {
      try kind.make(
        grid: kind == configuration.partitioner ? configuration.grid : nil,
        splits: kind == configuration.partitioner ? configuration.splits : nil,
        blockN: blockN
      ).schedule(p, on: device)
    }
    let inputs = SeededInputs.contiguous(p, seed: configuration.seed, as: Float.self)
    let mine = try schedule(configuration.partitioner, blockN: configuration.blockN)
    let run = try ScheduleExecutor.runCanonicalTree(
      mine, on: inputs, in: Double.self, arithmetic: .fixedOrder)
    self.schedule = mine
    let exact = FixedOrderAttention.compute(inputs, in: Double.self)
    let d = p.headDim
    func rows(_ output: Int) -> [Walkthrough.Row] {
      let tile = mine.outputs[output]
      return tile.rows.map { r in
        let flat = tile.queryRow(r, in: p)
        return Walkthrough.Row(
          queryHead: flat % p.queryHeads, token: flat / p.queryHeads - p.queryOffsets[tile.request])
      }
    }
    var nodes: [EmittedNode] = []
    var results: [Walkthrough.Result] = []
    var firstRows: [Int] = []
    for (o, list) in run.nodes.enumerated() {
      let tile = mine.outputs[o]
      let tree = run.tree(output: o)
      let first = tile.visibleBlocks.lowerBound
      let visible = p.visibleKeys(request: tile.request, query: 0)
      for emitted in list {
        let t = tree.leaves(of: emitted.node)
        let tokens =
          Swift.max(
            (first + t.lowerBound) * mine.blockN, visible.lowerBound)..<Swift.min(
            (first + t.upperBound) * mine.blockN, visible.upperBound)
        nodes.append(
          EmittedNode(
            output: o, cta: emitted.cta, split: emitted.split, node: emitted.node, tiles: t,
            tokens: tokens,
            states: zip(rows(o), emitted.states).map {
              Walkthrough.RowState(row: $0, logSumExp: $1.logSumExp, output: $1.output)
            }))
      }
      if !list.isEmpty && firstRows.count < 4 { firstRows.append(results.count) }
      for (row, r) in zip(rows(o), tile.rows) where !list.isEmpty {
        let flat = tile.queryRow(r, in: p)
        let slice = (flat * d)..<((flat + 1) * d)
        results.append(
          Walkthrough.Result(
            row: row, output: Array(run.result.output.storage[slice]),
            logSumExp: run.result.logSumExp.storage[flat],
            exactOutput: Array(exact.output.storage[slice]),
            exactLogSumExp: exact.logSumExp.storage[flat]))
      }
    }
    self.nodes = nodes
    self.results = results
    self.firstRows = firstRows
    var same: [(PartitionerKind, Int, Bool)] = []
    for kind in PartitionerKind.allCases where kind != configuration.partitioner {
      let theirs = try schedule(kind, blockN: mine.blockN)
      let other = try ScheduleExecutor.runCanonicalTree(
        theirs, on: inputs, in: Double.self, arithmetic: .fixedOrder)
      same.append(
        (
          kind, theirs.blockN,
          other.result.output.storage.map(\.bitPattern)
            == run.result.output.storage.map(\.bitPattern)
            && other.result.logSumExp.storage.map(\.bitPattern)
              == run.result.logSumExp.storage.map(\.bitPattern)
        ))
    }
    sameBits = same
  }

  /// The walkthrough as text: the tree structure
  /// (`CanonicalTree.explanation(of:maxOutputs:maxTreeTiles:)`), then each
  /// emitted node's state (first row of each output, LSE and the first
  /// elements of `o`), the finished rows against exact attention, and the
  /// other partitioners' bits.
  public func text(maxOutputs: Int = 4) -> String {
    var out = "Invariant mode (canonical tree) under \(schedule.partitioner)\n"
    out += "====================================================\n"
    out += CanonicalTree.explanation(of: schedule, maxOutputs: maxOutputs) + "\n\n"
    out += "Emitted node states (first row of each output; o[0..<4]):\n"
    let shown = Set(nodes.map(\.output).sorted().prefix(Swift.max(0, maxOutputs)))
    for n in nodes where shown.contains(n.output) {
      guard let s = n.states.first else { continue }
      let o = s.output.prefix(4).map { Walkthrough.decimal($0) }.joined(separator: ", ")
      out +=
        "  output \(n.output) CTA \(n.cta) split \(n.split): node [\(n.tiles.lowerBound),\(n.tiles.upperBound)) = tokens \(n.tokens.lowerBound)..<\(n.tokens.upperBound), "
        + "head \(s.row.queryHead): lse \(Walkthrough.decimal(s.logSumExp)), o [\(o)]\n"
    }
    out += "\nThe hosts finish the trees (first row of the first outputs):\n"
    for r in firstRows.map({ results[$0] }) {
      let diff = zip(r.output, r.exactOutput).map { abs($0 - $1) }.max() ?? 0
      out +=
        "  head \(r.row.queryHead): lse \(Walkthrough.decimal(r.logSumExp)) (exact \(Walkthrough.decimal(r.exactLogSumExp))), max |O − O_exact| \(Walkthrough.scientific(diff))\n"
    }
    out += "\nThe same problem under the other partitioners, in canonical-tree order:\n"
    for (kind, blockN, same) in sameBits {
      let note =
        blockN == schedule.blockN
        ? "" : " (its own blockN \(blockN), not \(schedule.blockN): other tiles, another tree)"
      out += "  \(kind.rawValue): \(same ? "the same bits" : "different bits")\(note)\n"
    }
    return out
  }
}
