/// Device memory, freed when released.
final class DeviceBuffer {
  let driver: CUDADriver
  let address: UInt64
  let bytes: Int

  /// Allocates `bytes` (at least 4, so that every buffer has an address and
  /// 32-bit fills cover it).
  init(_ driver: CUDADriver, bytes: Int) throws(CUDAError) {
    self.driver = driver
    self.bytes = max(4, (bytes + 3) / 4 * 4)
    var a: UInt64 = 0
    try driver.check(driver.cuMemAlloc(&a, self.bytes), "cuMemAlloc_v2(\(self.bytes) bytes)")
    address = a
  }

  /// A buffer holding `values`.
  convenience init<T>(_ driver: CUDADriver, _ values: [T]) throws(CUDAError) {
    try self.init(driver, bytes: values.count * MemoryLayout<T>.stride)
    try upload(values)
  }

  deinit { _ = driver.cuMemFree(address) }

  func upload<T>(_ values: [T]) throws(CUDAError) {
    guard !values.isEmpty else { return }
    let r = values.withUnsafeBytes { raw in
      raw.baseAddress.map { driver.cuMemcpyHtoD(address, $0, raw.count) } ?? 0
    }
    try driver.check(r, "cuMemcpyHtoD_v2")
  }

  /// Fills the buffer with a 32-bit pattern.
  func fill(_ pattern: UInt32) throws(CUDAError) {
    try driver.check(driver.cuMemsetD32(address, pattern, bytes / 4), "cuMemsetD32_v2")
  }

  /// Copies `bytes` from `source` on the device.
  func copy(from source: DeviceBuffer, bytes: Int) throws(CUDAError) {
    try driver.check(
      driver.cuMemcpyDtoD(address, source.address, min(bytes, self.bytes, source.bytes)),
      "cuMemcpyDtoD_v2")
  }

  func download<T>(_ count: Int, as _: T.Type) throws(CUDAError) -> [T] where T: BitwiseCopyable {
    guard count > 0 else { return [] }
    var out = [T](unsafeUninitializedCapacity: count) { _, n in n = count }
    let r = out.withUnsafeMutableBytes { raw in
      raw.baseAddress.map { driver.cuMemcpyDtoH($0, address, raw.count) } ?? 0
    }
    try driver.check(r, "cuMemcpyDtoH_v2")
    return out
  }
}

/// The argument array `cuLaunchKernel` takes: a pointer to each argument's value.
final class KernelArguments {
  private var storage: [UnsafeMutableRawPointer] = []

  func add<T: BitwiseCopyable>(_ value: T) {
    let p = UnsafeMutableRawPointer.allocate(
      byteCount: MemoryLayout<T>.size, alignment: MemoryLayout<T>.alignment)
    p.storeBytes(of: value, as: T.self)
    storage.append(p)
  }

  func add(_ buffer: DeviceBuffer) { add(buffer.address) }

  /// A by-value struct argument, given as its bytes.
  func add(bytes: [UInt8]) {
    let p = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
    bytes.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
    storage.append(p)
  }

  func withPointers<R>(_ body: (UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> R) -> R {
    var list: [UnsafeMutableRawPointer?] = storage
    return list.withUnsafeMutableBufferPointer { body($0.baseAddress) }
  }

  deinit { storage.forEach { $0.deallocate() } }
}
