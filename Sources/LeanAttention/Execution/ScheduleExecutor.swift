/// Runs any valid ``Schedule`` on the CPU, the way a GPU would run it.
///
/// Every CTA segment is computed (in parallel; a segment starts from the empty
/// state, so a CTA's segments need not run back to back): for every KV block
/// of a segment the executor computes the block's state with `RowBlockAttention` (BLAS) and
/// folds it into the segment's running state with ``AttentionState/merge(_:_:)``
/// — the tiled online softmax. A segment's final state is its partial state.
/// Then every host merges its reduction group, its own piece first and the
/// peers in split order, and writes `O` and `LSE`. Output tiles without work
/// stay empty (`O = 0`, `LSE = −∞`).
///
/// Against ``ExactAttention`` the result differs only by the merges: with `s`
/// pieces per row in a left fold, the associativity bound of `merge` applies
/// once per piece, `|ΔO| ≤ 2s·u·(L + 5Δ + 15)·max|v|` plus each block's own
/// `(n + 1)·u·max|v|` (see `Docs/SoftmaxRescaling.md`).
public enum ScheduleExecutor {
  /// The output and every partial state of an executed schedule.
  public struct Execution<Scalar: BLASScalar>: Sendable {
    /// Final `O` and natural-log `LSE`, as exact attention lays them out.
    public var result: AttentionOutput<Scalar>
    /// `pieces[output][split]`: the partial state of every packed row of the output tile.
    public var pieces: [[[AttentionState<Scalar>]]]
    /// The schedule that ran.
    public var schedule: Schedule
    /// The problem.
    public var problem: AttentionProblem

    /// The partial states in FlashAttention's split-major layout:
    /// `O [splits, totalQ, Hq, D]` and natural-log `LSE [splits, totalQ, Hq]`,
    /// `splits` being the most pieces of any output tile. Absent splits are empty (`0`, `−∞`).
    public func splitMajorPartials() -> AttentionOutput<Scalar> {
      let p = problem
      let d = p.headDim
      let splits = schedule.maxSplits
      let rows = p.totalQueryTokens * p.queryHeads
      var o = [Scalar](repeating: 0, count: splits * rows * d)
      var l = [Scalar](repeating: -.infinity, count: splits * rows)
      for (tile, parts) in zip(schedule.outputs, pieces) {
        for (s, states) in parts.enumerated() {
          ScheduleExecutor.scatter(
            states, of: tile, problem: p, into: &o, logSumExp: &l, split: s)
        }
      }
      return AttentionOutput(
        output: Tensor(uncheckedShape: [splits, p.totalQueryTokens, p.queryHeads, d], storage: o),
        logSumExp: Tensor(uncheckedShape: [splits, p.totalQueryTokens, p.queryHeads], storage: l))
    }
  }

  /// Executes `schedule` on `inputs` in `Scalar` arithmetic.
  ///
  /// With `arithmetic: .fixedOrder` every block is computed in the library's
  /// documented fixed order, so the partial states and the output are the
  /// same bits on every machine (golden files use this).
  ///
  /// - Throws: ``AttentionError/invalidSchedule(reason:)`` when the schedule
  ///   does not validate against the inputs' problem.
  /// - Complexity: O(visible tiles · 64 · blockN · D).
  @_specialize(where Scalar == Double, Element == Float16)
  @_specialize(where Scalar == Double, Element == BFloat16)
  @_specialize(where Scalar == Double, Element == Float)
  @_specialize(where Scalar == Double, Element == Double)
  @_specialize(where Scalar == Float, Element == Float16)
  @_specialize(where Scalar == Float, Element == Float)
  public static func run<Scalar: BLASScalar, Element: StorageScalar>(
    _ schedule: Schedule, on inputs: AttentionInputs<Element>, in _: Scalar.Type = Scalar.self,
    arithmetic: AttentionArithmetic = .blas
  ) throws(AttentionError) -> Execution<Scalar> {
    switch arithmetic {
    case .blas: try run(schedule, on: inputs, kernel: RowBlockAttention<Scalar>.self)
    case .fixedOrder: try run(schedule, on: inputs, kernel: FixedOrderBlockAttention<Scalar>.self)
    }
  }

  static func run<Scalar, Element: StorageScalar, Kernel: BlockAttentionKernel<Scalar>>(
    _ schedule: Schedule, on inputs: AttentionInputs<Element>, kernel: Kernel.Type
  ) throws(AttentionError) -> Execution<Scalar> {
    let p = inputs.problem
    let d = p.headDim
    let pieces = try computePieces(schedule, on: inputs, kernel: kernel) { _, _, piece, states in
      states(piece.blocks)
    }
    // Hosts merge their groups: own piece (split 0) first, then peers in split order.
    var out = [Scalar](repeating: 0, count: p.totalQueryTokens * p.queryHeads * d)
    var lse = [Scalar](repeating: -.infinity, count: p.totalQueryTokens * p.queryHeads)
    for (tile, parts) in zip(schedule.outputs, pieces) where !parts.isEmpty {
      let merged = (0..<tile.rows.count).map { index in
        parts.dropFirst().reduce(parts[0][index]) { AttentionState.merge($0, $1[index]) }
      }
      scatter(merged, of: tile, problem: p, into: &out, logSumExp: &lse)
    }
    let result = AttentionOutput(
      output: Tensor(uncheckedShape: [p.totalQueryTokens, p.queryHeads, d], storage: out),
      logSumExp: Tensor(uncheckedShape: [p.totalQueryTokens, p.queryHeads], storage: lse))
    return Execution(result: result, pieces: pieces, schedule: schedule, problem: p)
  }

  /// Computes every piece of `schedule` in parallel and returns
  /// `results[output][split]`.
  ///
  /// `body(output, split, piece, states)` makes a piece's result; `states(blocks)`
  /// is the piece's output tile over KV `blocks`, from the empty state,
  /// folded block by block with the worker's kernel. Pieces start from the
  /// empty state, so they are computed independently (a CTA's segments could
  /// run back to back with the same result). The schedule is validated first.
  static func computePieces<
    Scalar, Element: StorageScalar, Kernel: BlockAttentionKernel<Scalar>, Result
  >(
    _ schedule: Schedule, on inputs: AttentionInputs<Element>, kernel _: Kernel.Type,
    _ body:
      @escaping (
        _ output: Int, _ split: Int, _ piece: Schedule.Piece,
        _ states: (Range<Int>) -> [AttentionState<Scalar>]
      ) -> Result
  ) throws(AttentionError) -> [[Result]] {
    let p = inputs.problem
    try schedule.validate(for: p)
    let d = p.headDim
    let kv = PackedKeyValues<Scalar>(inputs)
    let queries = inputs.queries.storage.map { Scalar($0.doubleValue) }
    // Every piece in KV order per output: its index is its split.
    let flat = schedule.pieces.enumerated().flatMap { o, list in
      list.enumerated().map { (o, $0.offset, $0.element) }
    }
    var computed = [Result?](repeating: nil, count: flat.count)
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
                res[i] = body(output, split, piece) { blocks in
                  segmentStates(
                    of: schedule.outputs[output], blocks: blocks, blockN: schedule.blockN,
                    problem: p, kernel: &kernel, queries: q, keys: k, values: v)
                }
              })
          }
        }
      }
    }
    var grouped = schedule.outputs.map { _ in [Result]() }
    for ((output, _, _), result) in zip(flat, computed) {
      if let result { grouped[output].append(result) }
    }
    return grouped
  }

  /// Writes the states of `tile`'s rows to split `split` of `O [splits, totalQ, Hq, D]`
  /// and `LSE [splits, totalQ, Hq]` through ``ExactAttention/scatterRows``.
  static func scatter<Scalar: BLASScalar>(
    _ states: [AttentionState<Scalar>], of tile: OutputTile, problem p: AttentionProblem,
    into output: inout [Scalar], logSumExp: inout [Scalar], split: Int = 0
  ) {
    let d = p.headDim
    let rows = p.totalQueryTokens * p.queryHeads
    let o = states.flatMap(\.output)
    let l = states.map(\.logSumExp)
    o.withUnsafeBufferPointer { ob in
      l.withUnsafeBufferPointer { lb in
        output.withUnsafeMutableBufferPointer { out in
          logSumExp.withUnsafeMutableBufferPointer { lse in
            ExactAttention.scatterRows(
              p, request: tile.request, kvHead: tile.kvHead, rows: tile.rows,
              output: ob.baseAddress!, logSumExp: lb.baseAddress!,
              into: out.baseAddress! + split * rows * d, logSumExp: lse.baseAddress! + split * rows)
          }
        }
      }
    }
  }

  /// The state of every packed row of `tile` over KV `blocks` of `blockN` tokens.
  static func segmentStates<Scalar, Kernel: BlockAttentionKernel<Scalar>>(
    of tile: OutputTile, blocks: Range<Int>, blockN: Int, problem p: AttentionProblem,
    kernel: inout Kernel,
    queries: UnsafePointer<Scalar>, keys: UnsafePointer<Scalar>, values: UnsafePointer<Scalar>
  ) -> [AttentionState<Scalar>] {
    let d = p.headDim
    let g = p.groupSize
    let rows = tile.rows.count
    // Pack the whole tokens the tile's rows touch; its rows start `rows.lowerBound % G`
    // rows in (a 64-row block may begin inside a token's group of heads).
    let tokens = (tile.rows.lowerBound / g)..<((tile.rows.upperBound + g - 1) / g)
    var packed = [Scalar](repeating: 0, count: tokens.count * g * d)
    packed.withUnsafeMutableBufferPointer { buffer in
      ExactAttention.packQueries(
        p, request: tile.request, kvHead: tile.kvHead, tokens: tokens, from: queries,
        into: buffer.baseAddress!)
    }
    let first = (tile.rows.lowerBound - tokens.lowerBound * g) * d
    let q = Array(packed[first..<(first + rows * d)])
    let visible = tile.rows.map { p.visibleKeys(request: tile.request, query: $0 / g) }
    var states = [AttentionState<Scalar>](repeating: .empty(dimension: d), count: rows)
    var o = [Scalar](repeating: 0, count: rows * d)
    var l = [Scalar](repeating: 0, count: rows)
    let length = p.requests[tile.request].kvLength
    let ld = p.kvHeads * d
    let panel = (p.kvOffsets[tile.request] * p.kvHeads + tile.kvHead) * d
    for k in blocks {
      let columns = (k * blockN)..<Swift.min((k + 1) * blockN, length)
      q.withUnsafeBufferPointer { qb in
        visible.withUnsafeBufferPointer { vb in
          o.withUnsafeMutableBufferPointer { ob in
            l.withUnsafeMutableBufferPointer { lb in
              kernel.run(
                rows: rows, queries: qb.baseAddress!, keys: keys + panel, values: values + panel,
                ld: ld,
                columns: columns, visible: vb, output: ob.baseAddress!, logSumExp: lb.baseAddress!)
            }
          }
        }
      }
      // The online-softmax step: fold the block into the running state.
      for r in 0..<rows {
        let block = AttentionState<Scalar>(
          unchecked: Array(o[(r * d)..<(r * d + d)]), logSumExp: l[r])
        states[r] = AttentionState.merge(states[r], block)
      }
    }
    return states
  }
}
