extension ScheduleExecutor {
  /// Executes `schedule` in the given reduction order and returns `O` and `LSE`.
  ///
  /// `.leftFold` is ``run(_:on:in:arithmetic:)``; `.canonicalTree` is
  /// ``runCanonicalTree(_:on:in:arithmetic:)``, whose result is the same bits
  /// for every schedule of the problem (with `arithmetic: .fixedOrder`, on
  /// every machine too).
  ///
  /// - Throws: ``AttentionError/invalidSchedule(reason:)`` when the schedule
  ///   does not validate against the inputs' problem.
  public static func attention<Scalar: BLASScalar, Element: StorageScalar>(
    _ schedule: Schedule, on inputs: AttentionInputs<Element>, in _: Scalar.Type = Scalar.self,
    arithmetic: AttentionArithmetic = .blas, reduction: ReductionOrder
  ) throws(AttentionError) -> AttentionOutput<Scalar> {
    switch reduction {
    case .leftFold:
      try run(schedule, on: inputs, in: Scalar.self, arithmetic: arithmetic).result
    case .canonicalTree:
      try runCanonicalTree(schedule, on: inputs, in: Scalar.self, arithmetic: arithmetic).result
    }
  }

  /// Executes `schedule` in canonical-tree order: the output is independent
  /// of how the schedule cuts the work.
  ///
  /// Every piece (a CTA's segment of an output tile) computes the states of
  /// its tiles, one block each with the `arithmetic` kernel, and emits the
  /// values of the complete ``CanonicalTree`` subtrees inside its range
  /// (``CanonicalTree/decomposition(of:)``, each node by
  /// ``CanonicalTree/reduce(_:leaf:merge:)``). The host of each output then
  /// finishes the tree from the emitted nodes
  /// (``CanonicalTree/finish(_:merge:)``). Every node is the merge of the same
  /// two children whoever computes it, so `O` and `LSE` equal the unsplit
  /// tree's bit for bit, for every partitioner, SM count and batch.
  ///
  /// - Throws: ``AttentionError/invalidSchedule(reason:)`` when the schedule
  ///   does not validate against the inputs' problem.
  /// - Complexity: O(visible tiles · 64 · blockN · D), the same merges as a
  ///   left fold (one per tile but the first, per output), and at most
  ///   `max(1, 2⌈log₂ n⌉ − 2)` emitted states per piece of an output with `n` tiles.
  @_specialize(where Scalar == Double, Element == Float16)
  @_specialize(where Scalar == Double, Element == BFloat16)
  @_specialize(where Scalar == Double, Element == Float)
  @_specialize(where Scalar == Double, Element == Double)
  @_specialize(where Scalar == Float, Element == Float)
  public static func runCanonicalTree<Scalar: BLASScalar, Element: StorageScalar>(
    _ schedule: Schedule, on inputs: AttentionInputs<Element>, in _: Scalar.Type = Scalar.self,
    arithmetic: AttentionArithmetic = .fixedOrder
  ) throws(AttentionError) -> CanonicalTreeExecution<Scalar> {
    switch arithmetic {
    case .blas:
      try runCanonicalTree(schedule, on: inputs, kernel: RowBlockAttention<Scalar>.self)
    case .fixedOrder:
      try runCanonicalTree(schedule, on: inputs, kernel: FixedOrderBlockAttention<Scalar>.self)
    }
  }

  static func runCanonicalTree<
    Scalar, Element: StorageScalar, Kernel: BlockAttentionKernel<Scalar>
  >(
    _ schedule: Schedule, on inputs: AttentionInputs<Element>, kernel: Kernel.Type
  ) throws(AttentionError) -> CanonicalTreeExecution<Scalar> {
    let p = inputs.problem
    let d = p.headDim
    typealias Emitted = CanonicalTreeExecution<Scalar>.EmittedNode
    let nodes = try computePieces(schedule, on: inputs, kernel: kernel) {
      output, split, piece, states -> [Emitted] in
      let visible = schedule.outputs[output].visibleBlocks
      let first = visible.lowerBound
      let tree = CanonicalTree(tiles: visible.count)
      let range = (piece.blocks.lowerBound - first)..<(piece.blocks.upperBound - first)
      return tree.decomposition(of: range).map { node in
        // A leaf is one block from the empty state: the tile's own state, bitwise.
        let tileStates = tree.reduce(
          node, leaf: { t in states((first + t)..<(first + t + 1)) }, merge: mergeRows)
        return Emitted(node: node, cta: piece.cta, split: split, states: tileStates)
      }
    }.map { $0.flatMap { $0 } }
    // Each host finishes its output's tree from the emitted nodes.
    var out = [Scalar](repeating: 0, count: p.totalQueryTokens * p.queryHeads * d)
    var lse = [Scalar](repeating: -.infinity, count: p.totalQueryTokens * p.queryHeads)
    for (o, (tile, emitted)) in zip(schedule.outputs, nodes).enumerated() where !emitted.isEmpty {
      let tree = CanonicalTree(tiles: tile.visibleBlocks.count)
      let byNode = Dictionary(emitted.map { ($0.node, $0.states) }, uniquingKeysWith: { a, _ in a })
      // A validated schedule covers every tile once, so the tree is complete.
      guard let states = tree.finish(byNode, merge: mergeRows) else {
        throw .invalidSchedule(reason: "output \(o): its pieces leave a KV block uncovered")
      }
      scatter(states, of: tile, problem: p, into: &out, logSumExp: &lse)
    }
    let result = AttentionOutput(
      output: Tensor(uncheckedShape: [p.totalQueryTokens, p.queryHeads, d], storage: out),
      logSumExp: Tensor(uncheckedShape: [p.totalQueryTokens, p.queryHeads], storage: lse))
    return CanonicalTreeExecution(result: result, nodes: nodes, schedule: schedule, problem: p)
  }

  /// Merges two states row by row.
  static func mergeRows<Scalar>(
    _ a: [AttentionState<Scalar>], _ b: [AttentionState<Scalar>]
  ) -> [AttentionState<Scalar>] {
    zip(a, b).map { AttentionState.merge($0, $1) }
  }
}
