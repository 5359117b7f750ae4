import RealModule

/// How an input log-sum-exp of +∞ is read.
public enum EmptyRowConvention: Sendable, Hashable {
  /// Only −∞ marks an empty state; +∞ is an error. The library's convention.
  case negativeInfinityOnly
  /// +∞ also marks an empty state, as FlashAttention-2 writes for rows with no keys.
  case positiveInfinityIsEmpty
}

/// The partial result of attention of one query row over a subset of its keys,
/// in normalized form `(o, lse)`: the form split-KV kernels write to memory
/// (FlashAttention's `out_accum`/`lse_accum`, FlashInfer's `v`/`s`).
///
/// For keys `J` with scores `s_j` and values `v_j`:
///
///     lse = log Σ_{j∈J} exp(s_j)            (natural log)
///     o   = Σ_{j∈J} exp(s_j − lse) · v_j
///
/// The *empty* state (`J = ∅`) has `o = 0`, `lse = −∞`. It is the identity of
/// ``merge(_:_:)``, and exactly what a fully masked row or an empty split holds.
///
/// States combine with ``merge(_:_:)``: merging the states of two disjoint key
/// sets gives the state of their union, whatever the sizes of the sets, which
/// is why a head may be cut anywhere (see `Docs/SoftmaxRescaling.md`).
public struct AttentionState<Value: PortableElementaryFunctions>: Sendable, Hashable {
  /// The normalized output `o`, one value per head dimension.
  public private(set) var output: [Value]
  /// The natural-log log-sum-exp; −∞ for the empty state.
  public private(set) var logSumExp: Value

  /// Creates a state, reading `logSumExp` in `base`.
  ///
  /// An LSE of −∞ makes the empty state: its output is replaced by zeros (a
  /// kernel may leave anything there), unless the output holds NaN, which is
  /// kept so that it propagates.
  ///
  /// - Throws: ``AttentionError/invalidState(reason:)`` for an LSE of +∞ unless
  ///   `empty` is ``EmptyRowConvention/positiveInfinityIsEmpty``.
  public init(
    output: [Value], logSumExp: Value, base: LogBase = .natural,
    empty: EmptyRowConvention = .negativeInfinityOnly
  ) throws(AttentionError) {
    var lse = logSumExp
    if lse == .infinity {
      guard empty == .positiveInfinityIsEmpty else {
        throw .invalidState(
          reason:
            "LSE is +inf; the empty state is -inf (pass .positiveInfinityIsEmpty to read FlashAttention-2's +inf as empty)"
        )
      }
      lse = -.infinity
    }
    self.init(unchecked: output, logSumExp: base.toNatural(lse))
  }

  /// A state whose LSE is already natural and never +∞.
  init(unchecked output: [Value], logSumExp: Value) {
    if logSumExp == -.infinity && !output.contains(where: \.isNaN) {
      self.output = Array(repeating: 0, count: output.count)
    } else {
      self.output = output
    }
    self.logSumExp = logSumExp
  }

  /// The empty state of `dimension` values: `o = 0`, `lse = −∞`.
  public static func empty(dimension: Int) -> Self {
    Self(unchecked: Array(repeating: 0, count: dimension), logSumExp: -.infinity)
  }

  /// The head dimension.
  @inlinable public var dimension: Int { output.count }

  /// Whether this is the empty state (and holds no NaN).
  public var isEmpty: Bool { logSumExp == -.infinity && !containsNaN }

  /// Whether the LSE or any output value is NaN: a NaN input reached this state.
  public var containsNaN: Bool { logSumExp.isNaN || output.contains(where: \.isNaN) }

  /// The LSE in `base`.
  public func logSumExp(base: LogBase) -> Value { base.fromNatural(logSumExp) }

  /// The state of one row over a chunk of keys, computed directly.
  ///
  /// - Parameters:
  ///   - scores: the (already scaled, capped) scores `s_j` of the chunk.
  ///   - values: the value rows, `scores.count × dimension`, row-major.
  ///   - dimension: the head dimension `D`, ≥ 0.
  /// - Throws: ``AttentionError/invalidState(reason:)`` when the counts disagree.
  /// - Complexity: O(scores.count · dimension).
  public init(scores: [Value], values: [Value], dimension: Int) throws(AttentionError) {
    guard dimension >= 0, values.count == scores.count * dimension else {
      throw .invalidState(
        reason:
          "\(scores.count) scores need \(scores.count) × \(dimension) values, got \(values.count)")
    }
    var m = -Value.infinity
    var sawNaN = false
    for s in scores {
      if s.isNaN { sawNaN = true } else if s > m { m = s }
    }
    if scores.isEmpty || (m == -.infinity && !sawNaN) {
      self = .empty(dimension: dimension)
      return
    }
    var acc = [Value](repeating: 0, count: dimension)
    var l: Value = 0
    for (j, s) in scores.enumerated() {
      let p = Value.portableExp(s - m)  // NaN score → NaN weight → NaN state
      l += p
      for e in 0..<dimension { acc[e] += p * values[j * dimension + e] }
    }
    self.init(unchecked: acc.map { $0 / l }, logSumExp: m + Value.portableLog(l))
  }
}

extension AttentionState {
  /// Merges the states of two disjoint key sets into the state of their union.
  ///
  /// With `m = max(lse_a, lse_b)`, `w_a = exp(lse_a − m)`, `w_b = exp(lse_b − m)`:
  ///
  ///     lse = m + log(w_a + w_b)
  ///     o   = (w_a / (w_a + w_b)) · o_a + (w_b / (w_a + w_b)) · o_b
  ///
  /// - An empty operand returns the other operand bitwise; two empties give
  ///   the empty state. So (−∞) − (−∞) and 0/0 are never evaluated.
  /// - NaN in either operand makes a NaN result (``containsNaN``).
  /// - The formula is symmetric, so `merge(a, b) == merge(b, a)` bitwise.
  /// - Exponents are differences from the larger LSE, never above 0, so no
  ///   LSE magnitude overflows (±1e30 in Float, ±1e300 in Double are fine).
  ///
  /// Floating point: with `u` the unit roundoff, `L` the largest |LSE| and `Δ`
  /// the spread `|lse_a − lse_b|`, one merge has
  /// `|Δlse| ≤ u·(L + 2Δ + 6)` and `|Δo| ≤ u·(3Δ + 9)·max|o|`. Grouping three
  /// states two ways composes two merges each; the first merge's LSE error
  /// becomes a relative weight error of the second, so the two groupings differ
  /// by at most `4u·(L + 5Δ + 15)·max|o|` in `o` and `4u·(L + 2Δ + 6)` in
  /// `lse` — the bound the associativity property test checks.
  ///
  /// - Precondition: equal dimensions.
  /// - Complexity: O(dimension).
  public static func merge(_ a: Self, _ b: Self) -> Self {
    precondition(
      a.dimension == b.dimension, "merging states of dimensions \(a.dimension) and \(b.dimension)")
    if a.isEmpty { return b }
    if b.isEmpty { return a }
    if a.logSumExp.isNaN || b.logSumExp.isNaN {
      return Self(unchecked: Array(repeating: .nan, count: a.dimension), logSumExp: .nan)
    }
    let m = Swift.max(a.logSumExp, b.logSumExp)
    let wa = Value.portableExp(a.logSumExp - m)
    let wb = Value.portableExp(b.logSumExp - m)
    let s = wa + wb
    let ca = wa / s
    let cb = wb / s
    var o = [Value](repeating: 0, count: a.dimension)
    for e in 0..<o.count { o[e] = ca * a.output[e] + cb * b.output[e] }
    return Self(unchecked: o, logSumExp: m + Value.portableLog(s))
  }

  /// Merges any number of states in one pass: the form combine kernels use.
  ///
  /// `m = max lse_i`, `s = Σ exp(lse_i − m)`, `o = Σ (exp(lse_i − m) / s) · o_i`,
  /// `lse = m + log s`. Empty states are skipped; no states (or only empties)
  /// give the empty state; NaN in any input gives a NaN result.
  ///
  /// One rounding level instead of `n − 1`, so it is at least as accurate as a
  /// left fold of ``merge(_:_:)``.
  ///
  /// - Complexity: O(n · dimension).
  public static func merge(_ states: some Collection<Self>, dimension: Int) -> Self {
    var m = -Value.infinity
    for st in states where !st.isEmpty {
      precondition(
        st.dimension == dimension, "state of dimension \(st.dimension), expected \(dimension)")
      if st.containsNaN {
        return Self(unchecked: Array(repeating: .nan, count: dimension), logSumExp: .nan)
      }
      m = Swift.max(m, st.logSumExp)
    }
    if m == -.infinity { return .empty(dimension: dimension) }
    var s: Value = 0
    for st in states where !st.isEmpty { s += Value.portableExp(st.logSumExp - m) }
    var o = [Value](repeating: 0, count: dimension)
    for st in states where !st.isEmpty {
      let c = Value.portableExp(st.logSumExp - m) / s
      for e in 0..<dimension { o[e] += c * st.output[e] }
    }
    return Self(unchecked: o, logSumExp: m + Value.portableLog(s))
  }
}
