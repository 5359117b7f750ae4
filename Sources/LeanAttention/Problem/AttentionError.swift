/// An error that describes why an attention problem, tensor or schedule was rejected.
///
/// Every case says what was wrong and what is allowed, so that the message can
/// be shown to a user as it is.
public enum AttentionError: Error, Hashable, Sendable {
  /// A request has a negative query or KV length.
  case negativeLength(request: Int, which: String, value: Int)
  /// The number of query or KV heads is not positive.
  case invalidHeadCount(queryHeads: Int, kvHeads: Int)
  /// The query heads are not a whole multiple of the KV heads.
  case headsNotDivisible(queryHeads: Int, kvHeads: Int)
  /// The head dimension is outside 1...512.
  case headDimOutOfRange(Int)
  /// The softmax scale is not finite and positive.
  case invalidScale(Double)
  /// A sliding-window side is negative.
  case invalidWindow(left: Int?, right: Int?)
  /// The logit soft-cap is not finite and positive.
  case invalidSoftCap(Double)
  /// Offsets (`cu_seqlens`) are malformed.
  case invalidOffsets(name: String, reason: String)
  /// A tensor's shape is not the one the problem needs.
  case shapeMismatch(tensor: String, expected: [Int], actual: [Int])
  /// A tensor's element count does not match its shape.
  case storageCountMismatch(tensor: String, shape: [Int], count: Int)
  /// A paged KV cache is malformed.
  case invalidPageTable(reason: String)
  /// A schedule does not cover the problem's tiles exactly once, or its reduction groups disagree.
  case invalidSchedule(reason: String)
  /// A partial attention state is malformed (wrong length, +∞ LSE without the option).
  case invalidState(reason: String)
  /// A device model or partitioner parameter is out of range.
  case invalidParameter(name: String, value: String, allowed: String)
  /// A size derived from the input overflows, or exceeds a stated limit (an
  /// index width, the schedule caps, the memory budget).
  case sizeLimitExceeded(what: String, size: String, limit: String)
}

extension AttentionError: CustomStringConvertible {
  /// One line saying what was rejected and what is allowed, as the CLI prints it.
  public var description: String {
    switch self {
    case .negativeLength(let request, let which, let value):
      return "request \(request) has \(which) length \(value); lengths must be 0 or more"
    case .invalidHeadCount(let q, let kv):
      return "query heads \(q) and KV heads \(kv) must both be at least 1"
    case .headsNotDivisible(let q, let kv):
      return
        "query heads \(q) are not a multiple of KV heads \(kv); allowed: Hq % Hkv == 0 (MHA, GQA, MQA)"
    case .headDimOutOfRange(let d):
      return "head dimension \(d) is out of range; allowed: 1...512"
    case .invalidScale(let s):
      return "softmax scale \(s) must be finite and greater than 0"
    case .invalidWindow(let l, let r):
      return
        "sliding window (\(l.map(String.init) ?? "inf"), \(r.map(String.init) ?? "inf")) has a negative side; each side is 0 or more, or unbounded (-1 on the command line)"
    case .invalidSoftCap(let c):
      return "soft-cap \(c) must be finite and greater than 0 (or absent)"
    case .invalidOffsets(let name, let reason):
      return "offsets \(name) are invalid: \(reason)"
    case .shapeMismatch(let tensor, let expected, let actual):
      return "tensor \(tensor) has shape \(actual); expected \(expected)"
    case .storageCountMismatch(let tensor, let shape, let count):
      let need = CheckedSize.describe(CheckedSize.product(shape))
      return "tensor \(tensor) of shape \(shape) needs \(need) elements but holds \(count)"
    case .invalidPageTable(let reason):
      return "paged KV cache is invalid: \(reason)"
    case .invalidSchedule(let reason):
      return "schedule is invalid: \(reason)"
    case .invalidState(let reason):
      return "attention state is invalid: \(reason)"
    case .invalidParameter(let name, let value, let allowed):
      return "\(name) = \(value) is not allowed; allowed: \(allowed)"
    case .sizeLimitExceeded(let what, let size, let limit):
      return "\(what) is \(size), over the limit of \(limit)"
    }
  }
}
