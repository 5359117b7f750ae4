/// An element type that can be stored in a safetensors file.
///
/// Conversions go through the type's bit pattern in little-endian order, as
/// the format requires, whatever the host's byte order.
public protocol SafeTensorElement: Sendable {
  /// The type's dtype in the file.
  static var dtype: DType { get }
  /// Reads one element from `bytes` at `offset` (little-endian).
  static func load(from bytes: UnsafeRawBufferPointer, at offset: Int) -> Self
  /// Appends the element's little-endian bytes.
  func append(to bytes: inout [UInt8])
}

extension FixedWidthInteger {
  @inlinable static func loadLittleEndian(from bytes: UnsafeRawBufferPointer, at offset: Int)
    -> Self
  {
    Self(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Self.self))
  }

  @inlinable func appendLittleEndian(to bytes: inout [UInt8]) {
    withUnsafeBytes(of: littleEndian) { bytes.append(contentsOf: $0) }
  }
}

extension UInt8: SafeTensorElement {
  public static var dtype: DType { .u8 }
  public static func load(from b: UnsafeRawBufferPointer, at o: Int) -> Self { b[o] }
  public func append(to bytes: inout [UInt8]) { bytes.append(self) }
}

extension Bool: SafeTensorElement {
  public static var dtype: DType { .bool }
  public static func load(from b: UnsafeRawBufferPointer, at o: Int) -> Self { b[o] != 0 }
  public func append(to bytes: inout [UInt8]) { bytes.append(self ? 1 : 0) }
}

extension Int32: SafeTensorElement {
  public static var dtype: DType { .i32 }
  public static func load(from b: UnsafeRawBufferPointer, at o: Int) -> Self {
    loadLittleEndian(from: b, at: o)
  }
  public func append(to bytes: inout [UInt8]) { appendLittleEndian(to: &bytes) }
}

extension Int64: SafeTensorElement {
  public static var dtype: DType { .i64 }
  public static func load(from b: UnsafeRawBufferPointer, at o: Int) -> Self {
    loadLittleEndian(from: b, at: o)
  }
  public func append(to bytes: inout [UInt8]) { appendLittleEndian(to: &bytes) }
}

extension Float16: SafeTensorElement {
  public static var dtype: DType { .f16 }
  public static func load(from b: UnsafeRawBufferPointer, at o: Int) -> Self {
    Float16(bitPattern: .loadLittleEndian(from: b, at: o))
  }
  public func append(to bytes: inout [UInt8]) { bitPattern.appendLittleEndian(to: &bytes) }
}

extension Float: SafeTensorElement {
  public static var dtype: DType { .f32 }
  public static func load(from b: UnsafeRawBufferPointer, at o: Int) -> Self {
    Float(bitPattern: .loadLittleEndian(from: b, at: o))
  }
  public func append(to bytes: inout [UInt8]) { bitPattern.appendLittleEndian(to: &bytes) }
}

extension Double: SafeTensorElement {
  public static var dtype: DType { .f64 }
  public static func load(from b: UnsafeRawBufferPointer, at o: Int) -> Self {
    Double(bitPattern: .loadLittleEndian(from: b, at: o))
  }
  public func append(to bytes: inout [UInt8]) { bitPattern.appendLittleEndian(to: &bytes) }
}
