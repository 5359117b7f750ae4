/// The CUDA driver API, loaded from `libcuda.so.1` at run time.
///
/// Only the calls the executor needs are bound. Every call goes through
/// `check(_:_:)`, which turns a nonzero `CUresult` into
/// ``CUDAError/driver(call:code:name:)`` with the code's name.
public final class CUDADriver {
  typealias Init = @convention(c) (UInt32) -> Int32
  typealias IntOut = @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
  typealias DeviceGet = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
  typealias Attribute = @convention(c) (UnsafeMutablePointer<Int32>, Int32, Int32) -> Int32
  typealias Name = @convention(c) (UnsafeMutablePointer<CChar>, Int32, Int32) -> Int32
  typealias Retain = @convention(c) (UnsafeMutablePointer<OpaquePointer?>, Int32) -> Int32
  typealias SetCurrent = @convention(c) (OpaquePointer?) -> Int32
  typealias LoadData =
    @convention(c) (UnsafeMutablePointer<OpaquePointer?>, UnsafeRawPointer) -> Int32
  typealias Unload = @convention(c) (OpaquePointer?) -> Int32
  typealias GetFunction =
    @convention(c) (
      UnsafeMutablePointer<OpaquePointer?>, OpaquePointer?, UnsafePointer<CChar>
    ) -> Int32
  typealias Alloc = @convention(c) (UnsafeMutablePointer<UInt64>, Int) -> Int32
  typealias Free = @convention(c) (UInt64) -> Int32
  typealias CopyIn = @convention(c) (UInt64, UnsafeRawPointer, Int) -> Int32
  typealias CopyOut = @convention(c) (UnsafeMutableRawPointer, UInt64, Int) -> Int32
  typealias Memset32 = @convention(c) (UInt64, UInt32, Int) -> Int32
  typealias Launch =
    @convention(c) (
      OpaquePointer?, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, OpaquePointer?,
      UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
      UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    ) -> Int32
  typealias Synchronize = @convention(c) () -> Int32
  typealias ErrorName = @convention(c) (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Int32
  typealias Occupancy =
    @convention(c) (UnsafeMutablePointer<Int32>, OpaquePointer?, Int32, Int) -> Int32
  typealias CopyDevice = @convention(c) (UInt64, UInt64, Int) -> Int32
  typealias EventCreate = @convention(c) (UnsafeMutablePointer<OpaquePointer?>, UInt32) -> Int32
  typealias EventRecord = @convention(c) (OpaquePointer?, OpaquePointer?) -> Int32
  typealias EventOne = @convention(c) (OpaquePointer?) -> Int32
  typealias EventElapsed =
    @convention(c) (UnsafeMutablePointer<Float>, OpaquePointer?, OpaquePointer?) -> Int32

  let library: DynamicLibrary
  let cuInit: Init
  let cuDriverGetVersion: IntOut
  let cuDeviceGetCount: IntOut
  let cuDeviceGet: DeviceGet
  let cuDeviceGetAttribute: Attribute
  let cuDeviceGetName: Name
  let cuDevicePrimaryCtxRetain: Retain
  let cuCtxSetCurrent: SetCurrent
  let cuModuleLoadData: LoadData
  let cuModuleUnload: Unload
  let cuModuleGetFunction: GetFunction
  let cuMemAlloc: Alloc
  let cuMemFree: Free
  let cuMemcpyHtoD: CopyIn
  let cuMemcpyDtoH: CopyOut
  let cuMemsetD32: Memset32
  let cuLaunchKernel: Launch
  let cuCtxSynchronize: Synchronize
  let cuGetErrorName: ErrorName
  let cuOccupancy: Occupancy
  let cuMemcpyDtoD: CopyDevice
  let cuEventCreate: EventCreate
  let cuEventRecord: EventRecord
  let cuEventSynchronize: EventOne
  let cuEventDestroy: EventOne
  let cuEventElapsedTime: EventElapsed

  /// Opens the driver library (the first of `names` that loads) and binds its functions.
  ///
  /// - Throws: ``CUDAError/driverNotFound(tried:reason:)`` or ``CUDAError/missingSymbol(library:symbol:)``.
  public init(names: [String] = LibrarySearch.driverNames) throws(CUDAError) {
    var lastReason = "no candidates"
    var opened: DynamicLibrary?
    for n in names {
      switch DynamicLibrary.open(n) {
      case .success(let lib):
        opened = lib
      case .failure(let e):
        lastReason = e.reason
      }
      if opened != nil { break }
    }
    guard let lib = opened else { throw .driverNotFound(tried: names, reason: lastReason) }
    library = lib
    cuInit = try lib.function("cuInit", as: Init.self)
    cuDriverGetVersion = try lib.function("cuDriverGetVersion", as: IntOut.self)
    cuDeviceGetCount = try lib.function("cuDeviceGetCount", as: IntOut.self)
    cuDeviceGet = try lib.function("cuDeviceGet", as: DeviceGet.self)
    cuDeviceGetAttribute = try lib.function("cuDeviceGetAttribute", as: Attribute.self)
    cuDeviceGetName = try lib.function("cuDeviceGetName", as: Name.self)
    cuDevicePrimaryCtxRetain = try lib.function("cuDevicePrimaryCtxRetain", as: Retain.self)
    cuCtxSetCurrent = try lib.function("cuCtxSetCurrent", as: SetCurrent.self)
    cuModuleLoadData = try lib.function("cuModuleLoadData", as: LoadData.self)
    cuModuleUnload = try lib.function("cuModuleUnload", as: Unload.self)
    cuModuleGetFunction = try lib.function("cuModuleGetFunction", as: GetFunction.self)
    cuMemAlloc = try lib.function("cuMemAlloc_v2", as: Alloc.self)
    cuMemFree = try lib.function("cuMemFree_v2", as: Free.self)
    cuMemcpyHtoD = try lib.function("cuMemcpyHtoD_v2", as: CopyIn.self)
    cuMemcpyDtoH = try lib.function("cuMemcpyDtoH_v2", as: CopyOut.self)
    cuMemsetD32 = try lib.function("cuMemsetD32_v2", as: Memset32.self)
    cuLaunchKernel = try lib.function("cuLaunchKernel", as: Launch.self)
    cuCtxSynchronize = try lib.function("cuCtxSynchronize", as: Synchronize.self)
    cuGetErrorName = try lib.function("cuGetErrorName", as: ErrorName.self)
    cuOccupancy = try lib.function(
      "cuOccupancyMaxActiveBlocksPerMultiprocessor", as: Occupancy.self)
    cuMemcpyDtoD = try lib.function("cuMemcpyDtoD_v2", as: CopyDevice.self)
    cuEventCreate = try lib.function("cuEventCreate", as: EventCreate.self)
    cuEventRecord = try lib.function("cuEventRecord", as: EventRecord.self)
    cuEventSynchronize = try lib.function("cuEventSynchronize", as: EventOne.self)
    cuEventDestroy = try lib.function("cuEventDestroy_v2", as: EventOne.self)
    // CUDA 12.8 added the _v2 name; CUDA 13 drivers may export only it.
    if let f = try? lib.function("cuEventElapsedTime_v2", as: EventElapsed.self) {
      cuEventElapsedTime = f
    } else {
      cuEventElapsedTime = try lib.function("cuEventElapsedTime", as: EventElapsed.self)
    }
  }

  /// Throws ``CUDAError/driver(call:code:name:)`` when `result` is not `CUDA_SUCCESS`.
  func check(_ result: Int32, _ call: String) throws(CUDAError) {
    guard result != 0 else { return }
    var name: UnsafePointer<CChar>?
    let known = cuGetErrorName(result, &name) == 0
    throw .driver(
      call: call, code: result, name: known ? name.map { String(cString: $0) } ?? "?" : "unknown")
  }
}

/// The device the executor runs on: its context, name and shape.
public final class CUDADevice {
  /// The driver.
  public let driver: CUDADriver
  /// Device ordinal.
  public let ordinal: Int32
  /// Marketing name, e.g. "NVIDIA H100 80GB HBM3".
  public let name: String
  /// Compute capability, e.g. (9, 0).
  public let computeCapability: (major: Int, minor: Int)
  /// Streaming multiprocessors.
  public let multiprocessors: Int
  /// The driver's CUDA version, e.g. 13000.
  public let driverVersion: Int

  /// Initializes the driver and makes device `ordinal`'s primary context current.
  ///
  /// - Throws: ``CUDAError``: no driver, no device, or a failing call.
  public init(driver: CUDADriver, ordinal: Int32 = 0) throws(CUDAError) {
    self.driver = driver
    self.ordinal = ordinal
    try driver.check(driver.cuInit(0), "cuInit")
    var count: Int32 = 0
    try driver.check(driver.cuDeviceGetCount(&count), "cuDeviceGetCount")
    guard count > ordinal else { throw .noDevice }
    var dev: Int32 = 0
    try driver.check(driver.cuDeviceGet(&dev, ordinal), "cuDeviceGet")
    func attribute(_ a: Int32, _ what: String) throws(CUDAError) -> Int {
      var v: Int32 = 0
      try driver.check(driver.cuDeviceGetAttribute(&v, a, dev), "cuDeviceGetAttribute(\(what))")
      return Int(v)
    }
    // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75, _MINOR = 76, MULTIPROCESSOR_COUNT = 16.
    computeCapability = (try attribute(75, "major"), try attribute(76, "minor"))
    multiprocessors = try attribute(16, "multiprocessors")
    var buffer = [CChar](repeating: 0, count: 256)
    try driver.check(driver.cuDeviceGetName(&buffer, 256, dev), "cuDeviceGetName")
    name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var version: Int32 = 0
    try driver.check(driver.cuDriverGetVersion(&version), "cuDriverGetVersion")
    driverVersion = Int(version)
    var context: OpaquePointer?
    try driver.check(driver.cuDevicePrimaryCtxRetain(&context, dev), "cuDevicePrimaryCtxRetain")
    try driver.check(driver.cuCtxSetCurrent(context), "cuCtxSetCurrent")
  }

  /// The `sm_XY` architecture name.
  public var arch: String { "sm_\(computeCapability.major)\(computeCapability.minor)" }
}
