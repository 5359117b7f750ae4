/// A safetensors element type.
///
/// The raw values are the format's spelling. Only the types this project
/// reads and writes are listed; any other spelling is a typed error when read.
public enum DType: String, CaseIterable, Hashable, Sendable {
  case bool = "BOOL"
  case u8 = "U8"
  case i8 = "I8"
  case i16 = "I16"
  case u16 = "U16"
  case i32 = "I32"
  case u32 = "U32"
  case i64 = "I64"
  case u64 = "U64"
  case f16 = "F16"
  case bf16 = "BF16"
  case f32 = "F32"
  case f64 = "F64"

  /// Bytes per element.
  public var byteWidth: Int {
    switch self {
    case .bool, .u8, .i8: return 1
    case .i16, .u16, .f16, .bf16: return 2
    case .i32, .u32, .f32: return 4
    case .i64, .u64, .f64: return 8
    }
  }

  /// Whether the type is a floating-point type.
  public var isFloatingPoint: Bool {
    switch self {
    case .f16, .bf16, .f32, .f64: return true
    default: return false
    }
  }
}
