/// A safetensors element type.
///
/// The raw values are the format's spelling: every dtype the reference reader
/// (huggingface `safetensors` 0.8) knows. This library computes with a few of
/// them (``SafeTensorElement``, ``SafeTensorsFile/doubles(_:)``); the others
/// are read and written as raw bytes.
public enum DType: String, CaseIterable, Hashable, Sendable {
  /// Boolean, one byte per element (0 or 1).
  case bool = "BOOL"
  /// 4-bit float (E2M1), two per byte.
  case f4 = "F4"
  /// 6-bit float (E2M3), four per three bytes.
  case f6E2M3 = "F6_E2M3"
  /// 6-bit float (E3M2), four per three bytes.
  case f6E3M2 = "F6_E3M2"
  /// Unsigned 8-bit integer.
  case u8 = "U8"
  /// Signed 8-bit integer.
  case i8 = "I8"
  /// 8-bit float, 5 exponent and 2 mantissa bits (OCP FP8 E5M2).
  case f8E5M2 = "F8_E5M2"
  /// 8-bit float, 4 exponent and 3 mantissa bits (OCP FP8 E4M3FN).
  case f8E4M3 = "F8_E4M3"
  /// 8-bit power-of-two scale (MX formats).
  case f8E8M0 = "F8_E8M0"
  /// 8-bit float E4M3 with no negative zero and one NaN (AMD's FNUZ variant).
  case f8E4M3FNUZ = "F8_E4M3FNUZ"
  /// 8-bit float E5M2 with no negative zero and one NaN (AMD's FNUZ variant).
  case f8E5M2FNUZ = "F8_E5M2FNUZ"
  /// Signed 16-bit integer, little-endian.
  case i16 = "I16"
  /// Unsigned 16-bit integer, little-endian.
  case u16 = "U16"
  /// IEEE 754 binary16, little-endian.
  case f16 = "F16"
  /// bfloat16 (the top 16 bits of a binary32), little-endian.
  case bf16 = "BF16"
  /// Signed 32-bit integer, little-endian.
  case i32 = "I32"
  /// Unsigned 32-bit integer, little-endian.
  case u32 = "U32"
  /// IEEE 754 binary32, little-endian.
  case f32 = "F32"
  /// Complex of two F32.
  case c64 = "C64"
  /// IEEE 754 binary64, little-endian.
  case f64 = "F64"
  /// Signed 64-bit integer, little-endian.
  case i64 = "I64"
  /// Unsigned 64-bit integer, little-endian.
  case u64 = "U64"

  /// Bits per element.
  public var bitWidth: Int {
    switch self {
    case .f4: return 4
    case .f6E2M3, .f6E3M2: return 6
    case .bool, .u8, .i8, .f8E5M2, .f8E4M3, .f8E8M0, .f8E4M3FNUZ, .f8E5M2FNUZ: return 8
    case .i16, .u16, .f16, .bf16: return 16
    case .i32, .u32, .f32: return 32
    case .i64, .u64, .f64, .c64: return 64
    }
  }

  /// Bytes per element, rounded up for the sub-byte types (`F4`, `F6_*`),
  /// whose tensors take `elements · bitWidth / 8` bytes.
  public var byteWidth: Int { (bitWidth + 7) / 8 }

  /// Whether ``SafeTensorsFile/doubles(_:)`` widens this type (F16, BF16, F32, F64).
  ///
  /// The 8-, 6- and 4-bit floats and C64 are floating point too, but this
  /// library reads them only as bytes.
  public var isFloatingPoint: Bool {
    switch self {
    case .f16, .bf16, .f32, .f64: return true
    default: return false
    }
  }
}
