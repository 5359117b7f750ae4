import LeanAttention

/// A GPU run's canonical-tree node states against the CPU's, slot by slot.
///
/// In the invariant mode the kernels write node `j` of an output (its `j`-th
/// emitted complete subtree in KV order) at partial slot `j`, the layout of
/// `CanonicalTreeExecution.splitMajorNodeStates()` and of golden files'
/// `tree_o`/`tree_lse`. Both sides must run the same schedule. As with partial
/// states, the GPU writes an output's nodes when a combine pass finishes the
/// tree, or when the output has several pieces for its host to finish (an
/// output of one piece writes its root as O); only those are compared.
public struct TreeStatesComparison: Hashable, Sendable {
  /// The largest `|Δo|` over node rows whose LSE is finite on both sides.
  public var maxAbsOutputError: Double
  /// The largest `|Δlse|` over those rows.
  public var maxAbsLogSumExpError: Double
  /// Node rows where exactly one side's LSE is finite (a node not written, or
  /// written where none belongs).
  public var mismatchedRows: Int
  /// Node rows compared.
  public var rows: Int

  /// Compares `candidate`'s node slots with `reference`'s emitted nodes.
  ///
  /// - Returns: `nil` when `candidate` has fewer slots than `reference` emits
  ///   for some output (its partial buffers cannot hold the nodes).
  /// - Complexity: O(emitted nodes · rows · D).
  public static func compare(
    _ candidate: CUDAExecutor.Result, _ reference: CanonicalTreeExecution<Double>
  ) -> TreeStatesComparison? {
    let p = reference.problem
    let d = p.headDim
    let rows = p.totalQueryTokens * p.queryHeads
    let slots = reference.nodes.map(\.count).max() ?? 0
    guard candidate.splits >= slots, candidate.partialLogSumExp.count >= candidate.splits * rows,
      candidate.partialOutput.count >= candidate.splits * rows * d
    else { return nil }
    var result = TreeStatesComparison(
      maxAbsOutputError: 0, maxAbsLogSumExpError: 0, mismatchedRows: 0, rows: 0)
    let written = reference.schedule.reduction == .combinePass ? 1 : 2
    let pieces = reference.schedule.pieces
    for (o, (tile, nodes)) in zip(reference.schedule.outputs, reference.nodes).enumerated()
    where pieces[o].count >= written {
      for (slot, node) in nodes.enumerated() {
        for (r, state) in zip(tile.rows, node.states) {
          let row = slot * rows + tile.queryRow(r, in: p)
          result.rows += 1
          let lse = Double(candidate.partialLogSumExp[row])
          guard lse.isFinite == state.logSumExp.isFinite else {
            result.mismatchedRows += 1
            continue
          }
          if lse.isFinite {
            let dl = abs(lse - state.logSumExp)
            if !(dl <= result.maxAbsLogSumExpError) { result.maxAbsLogSumExpError = dl }
          }
          for e in 0..<d {
            let delta = abs(Double(candidate.partialOutput[row * d + e]) - state.output[e])
            if !(delta <= result.maxAbsOutputError) { result.maxAbsOutputError = delta }
          }
        }
      }
    }
    return result
  }
}

extension CUDAExecutor.Result {
  /// Whether O and LSE are the same bits as `other`'s (partial buffers aside:
  /// their layout follows the schedule).
  public func sameOutputBits(as other: Self) -> Bool {
    outputBits == other.outputBits
      && logSumExp.map(\.bitPattern) == other.logSumExp.map(\.bitPattern)
  }

  /// How many `O` elements and LSEs differ in bits from `other`'s.
  public func differingElements(from other: Self) -> Int {
    zip(outputBits, other.outputBits).filter { $0 != $1 }.count
      + zip(logSumExp, other.logSumExp).filter { $0.bitPattern != $1.bitPattern }.count
      + abs(outputBits.count - other.outputBits.count)
  }
}
