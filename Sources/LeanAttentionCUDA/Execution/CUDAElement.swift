import LeanAttention

/// A 16-bit input type the kernels read: its kernel-name suffix and raw bits.
public protocol CUDAElement: StorageScalar {
  /// `f16` or `bf16`, as in the kernel names.
  static var kernelSuffix: String { get }
  /// The IEEE or bfloat16 bit pattern.
  var bits: UInt16 { get }
  /// The value with bit pattern `bits`.
  init(bits: UInt16)
}

extension Float16: CUDAElement {
  public static var kernelSuffix: String { "f16" }
  public var bits: UInt16 { bitPattern }
  /// The half with bit pattern `bits`.
  public init(bits: UInt16) { self.init(bitPattern: bits) }
}

extension BFloat16: CUDAElement {
  public static var kernelSuffix: String { "bf16" }
  public var bits: UInt16 { bitPattern }
  /// The bfloat16 with bit pattern `bits`.
  public init(bits: UInt16) { self.init(bitPattern: bits) }
}
