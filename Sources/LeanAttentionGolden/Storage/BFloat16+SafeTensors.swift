import LeanAttention
import SafeTensors

extension BFloat16: SafeTensorElement {
  public static var dtype: DType { .bf16 }
  public static func load(from b: UnsafeRawBufferPointer, at o: Int) -> Self {
    BFloat16(bitPattern: UInt16(b[o]) | UInt16(b[o + 1]) << 8)
  }
  public func append(to bytes: inout [UInt8]) {
    bytes.append(UInt8(truncatingIfNeeded: bitPattern))
    bytes.append(UInt8(truncatingIfNeeded: bitPattern >> 8))
  }
}
