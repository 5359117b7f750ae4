import LeanAttention
import SafeTensors

/// The element type a case's inputs are stored in.
public enum CaseDType: String, CaseIterable, Hashable, Sendable, Codable {
  /// IEEE binary16.
  case f16 = "F16"
  /// bfloat16.
  case bf16 = "BF16"
  /// IEEE binary32.
  case f32 = "F32"

  /// The safetensors dtype.
  public var dtype: DType {
    switch self {
    case .f16: return .f16
    case .bf16: return .bf16
    case .f32: return .f32
    }
  }

  /// Parses `f16`, `bf16`, `f32` in either case.
  public init?(name: String) { self.init(rawValue: name.uppercased()) }
}

extension DType {
  /// The unit roundoff `u = 2^-p` of a floating-point dtype (`p` = significand bits).
  ///
  /// `nil` for integer types.
  public var unitRoundoff: Double? {
    switch self {
    case .f16: return 0x1p-11
    case .bf16: return 0x1p-8
    case .f32: return 0x1p-24
    case .f64: return 0x1p-53
    default: return nil
    }
  }

  /// `x` rounded to nearest even in this floating-point dtype (F64 and integer types: unchanged).
  @inlinable
  public func rounding(_ x: Float) -> Float {
    switch self {
    case .f16: return Float(Float16(x))
    case .bf16: return BFloat16(x).float
    default: return x
    }
  }
}
