import LeanAttention

extension DecodeBenchmark {
  /// The 16-bit element type of a benchmark's inputs and output, named as
  /// `leanattn bench cuda --dtype` names it.
  public enum ElementType: String, CaseIterable, Hashable, Sendable {
    /// IEEE binary16 (`Float16`).
    case f16
    /// bfloat16 (`BFloat16`).
    case bf16

    /// The type named `name` (`f16` or `bf16`, lower case).
    ///
    /// - Throws: ``DecodeBenchmarkError/unknownElementType(_:)`` for any other name.
    public init(name: String) throws(DecodeBenchmarkError) {
      guard let t = Self(rawValue: name) else { throw .unknownElementType(name) }
      self = t
    }

    /// The unit roundoff `u = 2^-p` of the output type: 2⁻¹¹ (F16), 2⁻⁸ (BF16).
    public var unitRoundoff: Double {
      switch self {
      case .f16: return 0x1p-11
      case .bf16: return 0x1p-8
      }
    }

    /// The absolute part of the oracle allowance, for the kernels' summation
    /// order: 1e-3 (F16), 8e-3 (BF16). See ``DecodeBenchmark/judge(outputBits:logSumExp:against:dtype:)``.
    public var absoluteAllowance: Double {
      switch self {
      case .f16: return 1e-3
      case .bf16: return 8e-3
      }
    }

    /// Bytes of one element: 2.
    public var bytes: Int { 2 }

    /// The value whose bit pattern in this type is `bits`.
    public func value(bits: UInt16) -> Double {
      switch self {
      case .f16: return Float16(bitPattern: bits).doubleValue
      case .bf16: return BFloat16(bitPattern: bits).doubleValue
      }
    }
  }
}
