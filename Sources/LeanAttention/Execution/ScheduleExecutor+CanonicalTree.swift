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
    _ schedule: Schedule, on inputs: AttentionInputs<Element>, kernel _: Kernel.Type
  ) throws(AttentionError) -> CanonicalTreeExecution<Scalar> {
    let p = inputs.problem
    try schedule.validate(for: p)
    let d = p.headDim
    let kv = PackedKeyValues<Scalar>(inputs)
    let queries = inputs.queries.storage.map { Scalar($0.doubleValue) }
    let order = schedule.pieces
    let flat = order.enumerated().flatMap { o, list in list.enumerated().map { (o, $0, $1) } }
    typealias Emitted = CanonicalTreeExecution<Scalar>.EmittedNode
    var computed = [[Emitted]](repeating: [], count: flat.count)
    computed.withUnsafeMutableBufferPointer { results in
      kv.keys.withUnsafeBufferPointer { kBuf in
        kv.values.withUnsafeBufferPointer { vBuf in
          queries.withUnsafeBufferPointer { qBuf in
            let shared = UncheckedSendable(
              (results.baseAddress, kBuf.baseAddress, vBuf.baseAddress, qBuf.baseAddress))
            ParallelLoop.run(
              count: flat.count,
              makeState: { Kernel(headDim: d, scale: p.scale, softCap: p.softCap) },
              body: { kernel, i in
                let (res, k, v, q) = shared.value
                guard let res, let k, let v, let q else { return }
                let (output, split, piece) = flat[i]
                let first = schedule.outputs[output].visibleBlocks.lowerBound
                let tree = CanonicalTree(tiles: schedule.outputs[output].visibleBlocks.count)
                let range = (piece.blocks.lowerBound - first)..<(piece.blocks.upperBound - first)
                res[i] = tree.decomposition(of: range).map { node in
                  let states = tree.reduce(
                    node,
                    leaf: { t in
                      // One block from the empty state: the tile's own state, bitwise.
                      segmentStates(
                        of: schedule.outputs[output], blocks: (first + t)..<(first + t + 1),
                        blockN: schedule.blockN, problem: p, kernel: &kernel, queries: q, keys: k,
                        values: v)
                    }, merge: mergeRows)
                  return Emitted(node: node, cta: piece.cta, split: split, states: states)
                }
              })
          }
        }
      }
    }
    var nodes = schedule.outputs.map { _ in [Emitted]() }
    for ((output, _, _), emitted) in zip(flat, computed) { nodes[output] += emitted }
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
      for (r, state) in zip(tile.rows, states) {
        let row = tile.queryRow(r, in: p)
        lse[row] = state.logSumExp
        for e in 0..<d { out[row * d + e] = state.output[e] }
      }
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
