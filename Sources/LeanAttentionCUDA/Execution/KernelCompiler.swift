import FileIntegrity
import Foundation

/// Compiles the embedded kernel source with NVRTC and caches the images on disk.
///
/// The cache key is the SHA-256 of the source, the architecture, NVRTC's
/// version and the options, so editing a kernel or changing NVRTC never
/// reuses a stale image. The folder is `LEANATTN_CACHE`, else
/// `$XDG_CACHE_HOME/leanattn`, else `~/.cache/leanattn`; a cache that cannot
/// be written is skipped, not an error.
///
/// `LEANATTN_KERNEL_SOURCE` names a CUDA C file compiled instead of the
/// embedded source: a kernel engineer's variant of `decode.cu` runs under the
/// same executor, checks and benchmark, and two variants can be timed on the
/// same warm GPU with one binary. The variant must keep the kernel names and
/// the `LaParams` layout.
public struct KernelCompiler {
  /// The kernels' CUDA C source (`Kernels/decode.cu`).
  public static var source: String { String(decoding: PackageResources.decode_cu, as: UTF8.self) }

  /// Every kernel entry point in the source.
  public static var kernelNames: [String] {
    var names = ["la_spin"]
    for dtype in ["f16", "bf16"] {
      for d in supportedHeadDims {
        for prefix in ["la", "la_tree"] {
          for r in [1, 2, 4, 8] { names.append("\(prefix)_segments_\(dtype)_d\(d)_r\(r)") }
          names.append("\(prefix)_combine_\(dtype)_d\(d)")
        }
      }
    }
    return names
  }

  /// Head dimensions with a kernel.
  public static let supportedHeadDims = [64, 128, 256]

  /// Resource use of one kernel, from ptxas's report.
  public struct KernelInfo: Hashable, Sendable {
    /// The kernel's `extern "C"` name.
    public var name: String
    /// Registers per thread.
    public var registers: Int
    /// Static shared memory per CTA, bytes.
    public var sharedMemoryBytes: Int
    /// Bytes spilled to local memory by stores.
    public var spillStoreBytes: Int
    /// Bytes reloaded from local memory.
    public var spillLoadBytes: Int
    /// Stack frame per thread, bytes.
    public var stackBytes: Int
  }

  /// A compiled image.
  public struct Image: Sendable {
    /// The target, `sm_80`, `sm_90`, ….
    public var arch: String
    /// The compiled image (cubin), ready for `cuModuleLoadData`.
    public var cubin: [UInt8]
    /// Every kernel's resource use.
    public var kernels: [KernelInfo]
    /// Whether the image came from the on-disk cache instead of NVRTC.
    public var fromCache: Bool
  }

  let nvrtc: NVRTC
  let cacheFolder: String?
  /// The file compiled instead of the embedded source, if any.
  public let sourcePath: String?

  /// A compiler using `nvrtc`, caching images in a folder chosen from `environment`:
  /// `LEANATTN_CACHE` (empty: no cache), else `$XDG_CACHE_HOME/leanattn`, else
  /// `$HOME/.cache/leanattn`, else no cache. A non-empty `LEANATTN_KERNEL_SOURCE`
  /// replaces the embedded source; it is read when an image is built.
  public init(nvrtc: NVRTC, environment: [String: String] = ProcessInfo.processInfo.environment) {
    self.nvrtc = nvrtc
    sourcePath = environment["LEANATTN_KERNEL_SOURCE"].flatMap { $0.isEmpty ? nil : $0 }
    if let c = environment["LEANATTN_CACHE"] {
      cacheFolder = c.isEmpty ? nil : c
    } else if let x = environment["XDG_CACHE_HOME"] {
      cacheFolder = "\(x)/leanattn"
    } else if let h = environment["HOME"] {
      cacheFolder = "\(h)/.cache/leanattn"
    } else {
      cacheFolder = nil
    }
  }

  static let options = ["--ptxas-options=-v", "-lineinfo"]

  /// The image for `arch`, from the cache or freshly compiled.
  ///
  /// - Throws: ``CUDAError/compilation(arch:log:)``, ``CUDAError/kernelSource(path:)``
  ///   or an NVRTC call error.
  public func image(arch: String) throws(CUDAError) -> Image {
    let source = try compiledSource()
    var hasher = SHA256()
    hasher.update(Array(source.utf8))
    hasher.update(
      Array("\0\(arch)\0\(nvrtc.version.major).\(nvrtc.version.minor)\0\(Self.options)".utf8))
    let key = hasher.hexDigest
    let cubinPath = cacheFolder.map { "\($0)/\(key).cubin" }
    let logPath = cacheFolder.map { "\($0)/\(key).log" }
    if let cubinPath, let logPath, let data = FileManager.default.contents(atPath: cubinPath),
      let log = FileManager.default.contents(atPath: logPath)
    {
      return Image(
        arch: arch, cubin: Array(data), kernels: Self.parse(String(decoding: log, as: UTF8.self)),
        fromCache: true)
    }
    let (cubin, log) = try nvrtc.compileToCUBIN(
      source: source, name: "decode.cu", arch: arch, options: Self.options)
    if let folder = cacheFolder, let cubinPath, let logPath {
      // Best effort: a read-only home must not stop the check.
      try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      try? AtomicFile.write(Array(log.utf8), to: logPath)
      try? AtomicFile.write(cubin, to: cubinPath)
    }
    return Image(arch: arch, cubin: cubin, kernels: Self.parse(log), fromCache: false)
  }

  /// The source `image(arch:)` compiles: the file at ``sourcePath``, else the embedded one.
  ///
  /// - Throws: ``CUDAError/kernelSource(path:)`` when the file cannot be read or is not UTF-8.
  public func compiledSource() throws(CUDAError) -> String {
    guard let sourcePath else { return Self.source }
    guard let data = FileManager.default.contents(atPath: sourcePath),
      let text = String(data: data, encoding: .utf8)
    else { throw .kernelSource(path: sourcePath) }
    return text
  }

  /// Per-kernel registers, shared memory, spills and stack from a `ptxas -v` log.
  public static func parse(_ log: String) -> [KernelInfo] {
    var infos: [KernelInfo] = []
    var current: KernelInfo?
    func number(before word: String, in line: Substring) -> Int? {
      guard let r = line.range(of: word) else { return nil }
      let head = line[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
      return Int(head.split(separator: " ").last ?? "")
    }
    for line in log.split(separator: "\n") {
      if let r = line.range(of: "Function properties for ") {
        if let c = current { infos.append(c) }
        current = KernelInfo(
          name: String(line[r.upperBound...]).trimmingCharacters(in: .whitespaces), registers: 0,
          sharedMemoryBytes: 0, spillStoreBytes: 0, spillLoadBytes: 0, stackBytes: 0)
      } else if current != nil {
        if let v = number(before: "bytes stack frame", in: line) { current?.stackBytes = v }
        if let v = number(before: "bytes spill stores", in: line) { current?.spillStoreBytes = v }
        if let v = number(before: "bytes spill loads", in: line) { current?.spillLoadBytes = v }
        if let v = number(before: "registers", in: line) { current?.registers = v }
        if let v = number(before: "bytes smem", in: line) { current?.sharedMemoryBytes = v }
      }
    }
    if let c = current { infos.append(c) }
    return infos.sorted { $0.name < $1.name }
  }
}
