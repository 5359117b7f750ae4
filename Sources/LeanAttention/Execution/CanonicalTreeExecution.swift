/// The output of a schedule run in canonical-tree order, with every node
/// state its CTAs emitted.
public struct CanonicalTreeExecution<Scalar: BLASScalar>: Sendable {
  /// A complete subtree's state, as one CTA writes it.
  public struct EmittedNode: Sendable {
    /// The node of the output's ``CanonicalTree``.
    public var node: CanonicalTree.Node
    /// The CTA that computed it.
    public var cta: Int
    /// The split (piece of the output, in KV order) it belongs to.
    public var split: Int
    /// The state of every packed row of the output tile over the node's tiles.
    public var states: [AttentionState<Scalar>]
  }

  /// Final `O` and natural-log `LSE`, as exact attention lays them out.
  public var result: AttentionOutput<Scalar>
  /// `nodes[output]`: the emitted nodes of every piece, pieces in split order,
  /// each piece's nodes in KV order (so the whole list is in KV order).
  public var nodes: [[EmittedNode]]
  /// The schedule that ran.
  public var schedule: Schedule
  /// The problem.
  public var problem: AttentionProblem

  /// The canonical tree of output tile `output`.
  public func tree(output: Int) -> CanonicalTree {
    CanonicalTree(tiles: schedule.outputs[output].visibleBlocks.count)
  }

  /// The emitted node states in a split-major layout, node `k` of an output in
  /// slot `k`: `O [slots, totalQ, Hq, D]` and natural-log `LSE [slots, totalQ, Hq]`,
  /// `slots` being the most nodes of any output tile. Absent slots are empty (`0`, `−∞`).
  public func splitMajorNodeStates() -> AttentionOutput<Scalar> {
    let p = problem
    let d = p.headDim
    let slots = nodes.map(\.count).max() ?? 0
    let rows = p.totalQueryTokens * p.queryHeads
    var o = [Scalar](repeating: 0, count: slots * rows * d)
    var l = [Scalar](repeating: -.infinity, count: slots * rows)
    for (tile, list) in zip(schedule.outputs, nodes) {
      for (k, emitted) in list.enumerated() {
        for (r, state) in zip(tile.rows, emitted.states) {
          let row = k * rows + tile.queryRow(r, in: p)
          l[row] = state.logSumExp
          for e in 0..<d { o[row * d + e] = state.output[e] }
        }
      }
    }
    return AttentionOutput(
      output: Tensor(uncheckedShape: [slots, p.totalQueryTokens, p.queryHeads, d], storage: o),
      logSumExp: Tensor(uncheckedShape: [slots, p.totalQueryTokens, p.queryHeads], storage: l))
  }
}
