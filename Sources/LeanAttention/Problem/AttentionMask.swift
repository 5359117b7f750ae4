/// Where the diagonal of a causal mask sits when query and KV lengths differ.
public enum CausalAlignment: String, Hashable, Sendable, Codable, CaseIterable {
  /// Query `i` of `Lq` sees keys `0 ... i + Lk - Lq`: the last query sees every key.
  ///
  /// FlashAttention 2.1 and later, FlashInfer and the KV-cache decode case.
  case bottomRight = "bottom-right"
  /// Query `i` sees keys `0 ... i`, whatever the KV length (PyTorch SDPA `is_causal`).
  case topLeft = "top-left"
}

/// Which keys each query row may attend to.
///
/// Every mask here gives each query row one contiguous range of visible keys,
/// computed by ``visibleKeys(query:queryLength:kvLength:)``. A row whose range
/// is empty is *fully masked*: its output is 0 and its log-sum-exp is −∞.
public enum AttentionMask: Hashable, Sendable {
  /// Every key is visible.
  case none
  /// Keys after the query's diagonal are hidden.
  case causal(CausalAlignment = .bottomRight)
  /// FlashAttention's `window_size = (left, right)`, aligned bottom-right: query `i`
  /// sees keys `j` with `i + Lk − Lq − left ≤ j ≤ i + Lk − Lq + right`.
  ///
  /// `nil` stands for an unbounded side (FlashAttention's −1), so
  /// `.slidingWindow(left: nil, right: 0)` is bottom-right causal.
  case slidingWindow(left: Int?, right: Int?)

  /// The half-open range of keys visible to one query row.
  ///
  /// The range is clamped to `0..<kvLength`; it is empty when the row is fully masked.
  ///
  /// - Complexity: O(1).
  @inlinable
  public func visibleKeys(query i: Int, queryLength: Int, kvLength: Int) -> Range<Int> {
    let diagonal = i + kvLength - queryLength
    var lower = 0
    var upper = kvLength
    switch self {
    case .none:
      break
    case .causal(.bottomRight):
      upper = diagonal + 1
    case .causal(.topLeft):
      upper = i + 1
    case .slidingWindow(let left, let right):
      if let left { lower = diagonal - left }
      if let right { upper = diagonal + right + 1 }
    }
    lower = Swift.max(lower, 0)
    upper = Swift.min(upper, kvLength)
    return lower < upper ? lower..<upper : lower..<lower
  }

  /// Whether the mask hides any key from any query for some lengths.
  public var isMasking: Bool {
    if case .none = self { return false }
    return true
  }
}

extension AttentionMask: CustomStringConvertible {
  /// The mask in a short form for messages: `none`, `causal(bottom-right)`,
  /// `causal(top-left)` or `window(L, R)` with −1 for an unbounded side.
  public var description: String {
    switch self {
    case .none: return "none"
    case .causal(let a): return "causal(\(a.rawValue))"
    case .slidingWindow(let l, let r):
      return "window(\(l.map(String.init) ?? "-1"), \(r.map(String.init) ?? "-1"))"
    }
  }
}
