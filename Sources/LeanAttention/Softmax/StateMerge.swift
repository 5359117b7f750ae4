/// Merging partial states laid out as kernels write them to memory.
///
/// Two layouts:
/// - **Split-major** (FlashAttention's `out_accum`/`lse_accum`): partial
///   outputs `[splits, tokens, heads, D]` and LSEs `[splits, tokens, heads]`;
///   every (token, head) has one state per split.
/// - **Indexed** (FlashInfer's `merge_states`): states `[totalStates, heads, D]`
///   and `[totalStates, heads]` with `indptr [tokens + 1]`; token `t` owns
///   states `indptr[t] ..< indptr[t+1]` (possibly none).
///
/// Both merge each (token, head) with ``AttentionState/merge(_:dimension:)``,
/// so golden partials and GPU partials are judged by the same code.
public enum StateMerge {
  /// Merges split-major partials into `O [tokens, heads, D]` and natural-log `LSE [tokens, heads]`.
  ///
  /// - Throws: ``AttentionError/shapeMismatch(tensor:expected:actual:)`` when
  ///   the shapes disagree; ``AttentionError/invalidState(reason:)`` for +∞ LSE
  ///   without ``EmptyRowConvention/positiveInfinityIsEmpty``.
  /// - Complexity: O(splits · tokens · heads · D).
  public static func mergeSplits<E: StorageScalar, L: StorageScalar, Value: BLASScalar>(
    partials: Tensor<E>, logSumExp: Tensor<L>, base: LogBase = .natural,
    empty: EmptyRowConvention = .negativeInfinityOnly, in _: Value.Type = Value.self
  ) throws(AttentionError) -> AttentionOutput<Value> {
    guard partials.shape.count == 4 else {
      throw .shapeMismatch(
        tensor: "partial outputs", expected: [-1, -1, -1, -1], actual: partials.shape)
    }
    let (splits, tokens, heads, d) = (
      partials.shape[0], partials.shape[1], partials.shape[2], partials.shape[3]
    )
    try logSumExp.requireShape([splits, tokens, heads], name: "partial LSE")
    // Gather each (token, head)'s states in split order.
    return try merge(
      rows: tokens * heads, outputShape: [tokens, heads, d], lseShape: [tokens, heads],
      dimension: d,
      statesOf: { row in (0..<splits).map { ($0 * tokens * heads + row) } },
      partials: partials.storage, logSumExp: logSumExp.storage, base: base, empty: empty)
  }

  /// Merges indexed states (FlashInfer's layout) into `O [tokens, heads, D]` and `LSE [tokens, heads]`.
  ///
  /// - Throws: ``AttentionError/invalidOffsets(name:reason:)`` for a malformed
  ///   `indptr`; shape and +∞ errors as ``mergeSplits(partials:logSumExp:base:empty:in:)``.
  public static func mergeIndexed<E: StorageScalar, L: StorageScalar, Value: BLASScalar>(
    states: Tensor<E>, logSumExp: Tensor<L>, indptr: [Int32], base: LogBase = .natural,
    empty: EmptyRowConvention = .negativeInfinityOnly, in _: Value.Type = Value.self
  ) throws(AttentionError) -> AttentionOutput<Value> {
    guard states.shape.count == 3 else {
      throw .shapeMismatch(tensor: "states", expected: [-1, -1, -1], actual: states.shape)
    }
    let (total, heads, d) = (states.shape[0], states.shape[1], states.shape[2])
    try logSumExp.requireShape([total, heads], name: "state LSE")
    guard let first = indptr.first, first == 0, indptr.last.map(Int.init) == total else {
      throw .invalidOffsets(
        name: "indptr", reason: "must start at 0 and end at the state count \(total)")
    }
    for i in 1..<indptr.count where indptr[i] < indptr[i - 1] {
      throw .invalidOffsets(name: "indptr", reason: "entry \(i) decreases; offsets never decrease")
    }
    let tokens = indptr.count - 1
    return try merge(
      rows: tokens * heads, outputShape: [tokens, heads, d], lseShape: [tokens, heads],
      dimension: d,
      statesOf: { row in
        let (t, h) = (row / heads, row % heads)
        return (Int(indptr[t])..<Int(indptr[t + 1])).map { $0 * heads + h }
      },
      partials: states.storage, logSumExp: logSumExp.storage, base: base, empty: empty)
  }

  private static func merge<E: StorageScalar, L: StorageScalar, Value: BLASScalar>(
    rows: Int, outputShape: [Int], lseShape: [Int], dimension d: Int,
    statesOf: (Int) -> [Int], partials: [E], logSumExp: [L], base: LogBase,
    empty: EmptyRowConvention
  ) throws(AttentionError) -> AttentionOutput<Value> {
    var out = [Value](repeating: 0, count: rows * d)
    var lse = [Value](repeating: -.infinity, count: rows)
    for row in 0..<rows {
      var states: [AttentionState<Value>] = []
      for index in statesOf(row) {
        let o = (0..<d).map { Value(partials[index * d + $0].doubleValue) }
        states.append(
          try AttentionState(
            output: o, logSumExp: Value(logSumExp[index].doubleValue), base: base, empty: empty))
      }
      let merged = AttentionState.merge(states, dimension: d)
      for e in 0..<d { out[row * d + e] = merged.output[e] }
      lse[row] = merged.logSumExp
    }
    return AttentionOutput(
      output: Tensor(uncheckedShape: outputShape, storage: out),
      logSumExp: Tensor(uncheckedShape: lseShape, storage: lse))
  }
}
