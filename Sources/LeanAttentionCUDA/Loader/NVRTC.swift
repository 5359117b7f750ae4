/// NVRTC, loaded at run time from the first place ``LibrarySearch/nvrtcCandidates(environment:currentDirectory:)`` names that opens.
public final class NVRTC {
  typealias Version =
    @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Int32
  typealias Create =
    @convention(c) (
      UnsafeMutablePointer<OpaquePointer?>, UnsafePointer<CChar>, UnsafePointer<CChar>?, Int32,
      UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?
    ) -> Int32
  typealias Compile =
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> Int32
  typealias Size = @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>) -> Int32
  typealias Bytes = @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>) -> Int32
  typealias Destroy = @convention(c) (UnsafeMutablePointer<OpaquePointer?>) -> Int32
  typealias ErrorString = @convention(c) (Int32) -> UnsafePointer<CChar>?

  /// The path it was loaded from.
  public let path: String
  /// NVRTC's version, e.g. (13, 0).
  public let version: (major: Int, minor: Int)
  let library: DynamicLibrary
  let create: Create
  let compile: Compile
  let logSize: Size
  let log: Bytes
  let cubinSize: Size
  let cubin: Bytes
  let destroy: Destroy
  let errorString: ErrorString

  /// Loads NVRTC from the first candidate that opens.
  ///
  /// - Throws: ``CUDAError/nvrtcNotFound(tried:)`` listing every candidate, or
  ///   ``CUDAError/missingSymbol(library:symbol:)``.
  public init(candidates: [String] = LibrarySearch.nvrtcCandidates()) throws(CUDAError) {
    var opened: DynamicLibrary?
    for c in candidates {
      if case .success(let lib) = DynamicLibrary.open(c) {
        opened = lib
        break
      }
    }
    guard let lib = opened else { throw .nvrtcNotFound(tried: candidates) }
    library = lib
    path = lib.path
    let v = try lib.function("nvrtcVersion", as: Version.self)
    create = try lib.function("nvrtcCreateProgram", as: Create.self)
    compile = try lib.function("nvrtcCompileProgram", as: Compile.self)
    logSize = try lib.function("nvrtcGetProgramLogSize", as: Size.self)
    log = try lib.function("nvrtcGetProgramLog", as: Bytes.self)
    cubinSize = try lib.function("nvrtcGetCUBINSize", as: Size.self)
    cubin = try lib.function("nvrtcGetCUBIN", as: Bytes.self)
    destroy = try lib.function("nvrtcDestroyProgram", as: Destroy.self)
    errorString = try lib.function("nvrtcGetErrorString", as: ErrorString.self)
    var major: Int32 = 0
    var minor: Int32 = 0
    _ = v(&major, &minor)
    version = (Int(major), Int(minor))
  }

  func check(_ result: Int32, _ call: String) throws(CUDAError) {
    guard result != 0 else { return }
    throw .nvrtc(
      call: call, code: result, message: errorString(result).map { String(cString: $0) } ?? "?")
  }

  /// Compiles CUDA C `source` to a CUBIN for `arch` (`sm_90`); returns the image and the log.
  ///
  /// - Throws: ``CUDAError/compilation(arch:log:)`` with NVRTC's log when the source does not compile.
  public func compileToCUBIN(
    source: String, name: String, arch: String, options extra: [String] = []
  ) throws(CUDAError) -> (cubin: [UInt8], log: String) {
    var program: OpaquePointer?
    try check(create(&program, source, name, 0, nil, nil), "nvrtcCreateProgram")
    defer { _ = destroy(&program) }
    let options = ["--gpu-architecture=\(arch)", "-std=c++17"] + extra
    let cOptions = options.map { strdup($0) }
    defer { cOptions.forEach { free($0) } }
    let result = cOptions.map { UnsafePointer($0) }.withUnsafeBufferPointer {
      compile(program, Int32(options.count), $0.baseAddress)
    }
    var n = 0
    try check(logSize(program, &n), "nvrtcGetProgramLogSize")
    var text = [CChar](repeating: 0, count: max(n, 1))
    try check(log(program, &text), "nvrtcGetProgramLog")
    let logText = String(
      decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    guard result == 0 else { throw .compilation(arch: arch, log: logText) }
    try check(cubinSize(program, &n), "nvrtcGetCUBINSize")
    var image = [CChar](repeating: 0, count: n)
    try check(cubin(program, &image), "nvrtcGetCUBIN")
    return (image.map { UInt8(bitPattern: $0) }, logText)
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
