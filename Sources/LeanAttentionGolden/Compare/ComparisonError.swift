import SafeTensors

/// Why `compare` could not judge a candidate: the files do not fit each other
/// or the golden file is unusable. A candidate that merely fails is a
/// ``Comparison`` with failures, never one of these.
public enum ComparisonError: Error, Hashable, Sendable {
  /// The golden or candidate file could not be read.
  case golden(GoldenError)
  /// A tensor's shape differs from the shape the golden file fixes; no reshaping is guessed.
  case shapeMismatch(tensor: String, candidate: [Int], expected: [Int])
  /// A candidate tensor that is not floating point.
  case notFloatingPoint(tensor: String, dtype: DType)
  /// An explicit tolerance that is negative, NaN or infinite.
  case invalidTolerance(name: String, value: Double)
  /// A precision other than F16, BF16, F32 or F64 was asked for.
  case unsupportedPrecision(DType)
  /// A precision name that is not one of `f16`, `bf16`, `f32`, `f64`.
  case unknownPrecision(String)
  /// The stated compute precision is wider than the dtype the candidate is stored in.
  case precisionWiderThanStorage(precision: DType, stored: DType)
  /// A golden tensor holds NaN or an infinity where none is allowed.
  case nonFiniteGolden(tensor: String, index: Int, value: Double)
  /// A size derived from the golden metadata does not fit in `Int`.
  case sizeOverflow(String)
  /// The golden metadata contradicts its tensors, or describes a computation
  /// whose emulation is not finite.
  case inconsistentGolden(String)
}

extension ComparisonError: CustomStringConvertible {
  /// One line saying why the candidate could not be judged, as the CLI prints it.
  public var description: String {
    func s(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
    switch self {
    case .golden(let e):
      return e.description
    case .shapeMismatch(let t, let c, let g):
      return
        "candidate \(t) has shape \(s(c)); the golden file needs \(s(g)) (no reshaping is guessed)"
    case .notFloatingPoint(let t, let d):
      return "candidate \(t) has dtype \(d.rawValue); F16, BF16, F32 or F64 is needed"
    case .invalidTolerance(let name, let v):
      return "\(name) is \(v); a finite number ≥ 0 is needed"
    case .unknownPrecision(let name):
      return "--dtype \(name) is not a precision; allowed: f16, bf16, f32, f64"
    case .unsupportedPrecision(let d):
      return "precision \(d.rawValue) is not supported; allowed: f16, bf16, f32, f64"
    case .precisionWiderThanStorage(let p, let stored):
      return
        "--dtype \(p.rawValue.lowercased()) is wider than the candidate's stored \(stored.rawValue); a stored value holds at most its dtype's precision"
    case .nonFiniteGolden(let t, let i, let v):
      return
        "golden tensor \(t) holds \(v) at flat index \(i); golden files hold finite values (only lse may be −inf, on rows that see no key)"
    case .sizeOverflow(let what):
      return "golden metadata describes sizes that overflow Int: \(what)"
    case .inconsistentGolden(let why):
      return "golden file is inconsistent: \(why)"
    }
  }
}
