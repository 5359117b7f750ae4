import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Where the CUDA path looks for its libraries, in order.
public enum LibrarySearch {
  /// The driver API library: only the loader path, since the driver is
  /// installed with the kernel module and has one name.
  public static let driverNames = ["libcuda.so.1", "libcuda.so"]

  /// NVRTC candidates, in the documented order:
  ///
  /// 1. `LEANATTN_NVRTC`, when set (and nothing else: an explicit choice is never second-guessed);
  /// 2. the loader path: `libnvrtc.so`, `libnvrtc.so.13`, `libnvrtc.so.12`;
  /// 3. CUDA install folders: `$CUDA_HOME/lib64`, `/usr/local/cuda/lib64`, `/usr/local/cuda-*/lib64`, `/opt/cuda/lib64`;
  /// 4. a pip-installed wheel: `nvidia/cu*/lib` and `nvidia/cuda_nvrtc/lib` under the
  ///    site-packages of `$VIRTUAL_ENV`, `./.venv`, and `LEANATTN_PYTHON_PREFIX`.
  public static func nvrtcCandidates(
    environment: [String: String] = ProcessInfo.processInfo.environment,
    currentDirectory: String = FileManager.default.currentDirectoryPath
  ) -> [String] {
    if let explicit = environment["LEANATTN_NVRTC"], !explicit.isEmpty { return [explicit] }
    var out = ["libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12"]
    var installs: [String] = []
    if let home = environment["CUDA_HOME"] { installs.append("\(home)/lib64") }
    installs.append("/usr/local/cuda/lib64")
    installs += sortedDescending(glob("/usr/local/cuda-*/lib64"))
    installs.append("/opt/cuda/lib64")
    for folder in installs {
      out += sortedDescending(glob("\(folder)/libnvrtc.so*")).filter { !$0.contains("builtins") }
    }
    var prefixes: [String] = []
    if let venv = environment["VIRTUAL_ENV"] { prefixes.append(venv) }
    prefixes.append("\(currentDirectory)/.venv")
    if let extra = environment["LEANATTN_PYTHON_PREFIX"] { prefixes.append(extra) }
    for prefix in prefixes {
      for site in glob("\(prefix)/lib/python3*/site-packages") {
        out += sortedDescending(glob("\(site)/nvidia/cu*/lib/libnvrtc.so*"))
          .filter { !$0.contains("builtins") }
        out += glob("\(site)/nvidia/cuda_nvrtc/lib/libnvrtc.so*").filter {
          !$0.contains("builtins")
        }
      }
    }
    var seen = Set<String>()
    return out.filter { seen.insert($0).inserted }
  }

  static func sortedDescending(_ paths: [String]) -> [String] { paths.sorted(by: >) }

  /// Existing paths matching a shell pattern, sorted (POSIX `glob(3)`).
  static func glob(_ pattern: String) -> [String] {
    #if canImport(Glibc)
      var g = glob_t()
      defer { globfree(&g) }
      guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }  // no match, or an error
      return (0..<Int(g.gl_pathc)).compactMap { i in g.gl_pathv[i].map { String(cString: $0) } }
    #else
      return []  // the CUDA path is Linux-only
    #endif
  }
}
