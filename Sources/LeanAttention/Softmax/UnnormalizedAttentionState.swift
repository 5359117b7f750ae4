import RealModule

/// The running form of a partial attention state, as FlashAttention's online
/// softmax keeps it in registers: `(acc, m, l)`.
///
///     m   = max_j s_j                      (running max, −∞ when empty)
///     l   = Σ_j exp(s_j − m)               (running sum)
///     acc = Σ_j exp(s_j − m) · v_j         (unnormalized output)
///
/// It converts to and from ``AttentionState``: to normalized form by
/// `o = acc / l`, `lse = m + log l` (one division and one log, each correctly
/// rounded up to libm's error); from normalized form exactly, by `m = lse`,
/// `l = 1`, `acc = o`.
public struct UnnormalizedAttentionState<Value: PortableElementaryFunctions>: Sendable,
  Hashable
{
  /// `Σ exp(s_j − m) · v_j`.
  public var accumulator: [Value]
  /// `max s_j`, −∞ when empty.
  public var runningMax: Value
  /// `Σ exp(s_j − m)`, 0 when empty.
  public var runningSum: Value

  /// A running state as a kernel holds it; no check that the parts agree.
  public init(accumulator: [Value], runningMax: Value, runningSum: Value) {
    self.accumulator = accumulator
    self.runningMax = runningMax
    self.runningSum = runningSum
  }

  /// The exact unnormalized image of a normalized state.
  public init(_ state: AttentionState<Value>) {
    if state.isEmpty {
      self.init(accumulator: state.output, runningMax: -.infinity, runningSum: 0)
    } else {
      self.init(accumulator: state.output, runningMax: state.logSumExp, runningSum: 1)
    }
  }

  /// Whether no key has been accumulated.
  public var isEmpty: Bool { runningSum == 0 && runningMax == -.infinity }

  /// The normalized state; the empty state when `l = 0`.
  public var normalized: AttentionState<Value> {
    if isEmpty { return .empty(dimension: accumulator.count) }
    let l = runningSum
    return AttentionState(
      unchecked: accumulator.map { $0 / l }, logSumExp: runningMax + Value.portableLog(l))
  }

  /// Folds another running state in: the online-softmax rescaling step.
  ///
  /// `m' = max(m₁, m₂)`, `acc = acc₁·e^{m₁−m'} + acc₂·e^{m₂−m'}`, `l` likewise.
  /// Empty operands are skipped, so (−∞) − (−∞) is never evaluated.
  public mutating func merge(_ other: Self) {
    precondition(accumulator.count == other.accumulator.count)
    if other.isEmpty { return }
    if isEmpty {
      self = other
      return
    }
    let m = Swift.max(runningMax, other.runningMax)
    let a = Value.portableExp(runningMax - m)
    let b = Value.portableExp(other.runningMax - m)
    for e in 0..<accumulator.count {
      accumulator[e] = accumulator[e] * a + other.accumulator[e] * b
    }
    runningSum = runningSum * a + other.runningSum * b
    runningMax = m
  }
}
