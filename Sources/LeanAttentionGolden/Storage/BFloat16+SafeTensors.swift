import LeanAttention
import SafeTensors

extension BFloat16: SafeTensorElement {
  /// `DType.bf16`.
  public static var dtype: DType { .bf16 }
  /// Reads two little-endian bytes at byte offset `o` of `b`; the caller checks bounds.
  public static func load(from b: UnsafeRawBufferPointer, at o: Int) -> Self {
    BFloat16(bitPattern: UInt16(b[o]) | UInt16(b[o + 1]) << 8)
  }
  /// Appends the two little-endian bytes of the bit pattern.
  public func append(to bytes: inout [UInt8]) {
    bytes.append(UInt8(truncatingIfNeeded: bitPattern))
    bytes.append(UInt8(truncatingIfNeeded: bitPattern >> 8))
  }
}
