/// Why a ``CUDACheck`` could not start.
public enum CUDACheckError: Error, Hashable, Sendable, CustomStringConvertible {
  /// A count of cases (named by the first value) is negative; allowed: 0 or more.
  case negativeCount(String, Int)

  /// The error in words: what was wrong and what is allowed.
  public var description: String {
    switch self {
    case .negativeCount(let what, let n): return "\(n) \(what): allowed 0 or more"
    }
  }
}
