import LeanAttention
import SafeTensors

/// Why a golden or candidate file could not be made, read or compared.
public enum GoldenError: Error, Hashable, Sendable {
  /// The file is not a valid safetensors file.
  case file(SafeTensorsError)
  /// The problem or inputs it describes are invalid.
  case attention(AttentionError)
  /// The metadata is missing a field or holds one this version does not understand.
  case invalidMetadata(String)
  /// A candidate does not fit the golden file (shape, dtype, missing tensor).
  case incompatible(String)
  /// A golden tensor holds NaN or ±∞ where only finite values are allowed.
  case nonFinite(tensor: String, index: Int, value: Double)
}

extension GoldenError: CustomStringConvertible {
  /// One line saying what was wrong and what is allowed, as the CLI prints it.
  public var description: String {
    switch self {
    case .file(let e): return e.description
    case .attention(let e): return e.description
    case .invalidMetadata(let s): return "invalid golden metadata: \(s)"
    case .incompatible(let s): return "candidate does not fit the golden file: \(s)"
    case .nonFinite(let t, let i, let x):
      return
        "golden tensor \"\(t)\" holds \(x) at element \(i); golden values must be finite (only lse may be -inf, on fully masked rows)"
    }
  }
}
