/// A safetensors element type.
///
/// The raw values are the format's spelling: every dtype the reference reader
/// (huggingface `safetensors` 0.8) knows. This library computes with a few of
/// them (``SafeTensorElement``, ``SafeTensorsFile/doubles(_:)``); the others
/// are read and written as raw bytes.
public enum DType: String, CaseIterable, Hashable, Sendable {
  case bool = "BOOL"
  /// 4-bit float (E2M1), two per byte.
  case f4 = "F4"
  /// 6-bit float (E2M3), four per three bytes.
  case f6E2M3 = "F6_E2M3"
  /// 6-bit float (E3M2), four per three bytes.
  case f6E3M2 = "F6_E3M2"
  case u8 = "U8"
  case i8 = "I8"
  case f8E5M2 = "F8_E5M2"
  case f8E4M3 = "F8_E4M3"
  /// 8-bit power-of-two scale (MX formats).
  case f8E8M0 = "F8_E8M0"
  case f8E4M3FNUZ = "F8_E4M3FNUZ"
  case f8E5M2FNUZ = "F8_E5M2FNUZ"
  case i16 = "I16"
  case u16 = "U16"
  case f16 = "F16"
  case bf16 = "BF16"
  case i32 = "I32"
  case u32 = "U32"
  case f32 = "F32"
  /// Complex of two F32.
  case c64 = "C64"
  case f64 = "F64"
  case i64 = "I64"
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
