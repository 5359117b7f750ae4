import Foundation

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

  /// Paths matching a pattern whose `*` wildcards stand for one path component each.
  static func glob(_ pattern: String) -> [String] {
    var results = [""]
    let parts = pattern.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    for (i, part) in parts.enumerated() {
      if i == 0 && part.isEmpty {
        results = ["/"]
        continue
      }
      var next: [String] = []
      for base in results {
        let dir = base.isEmpty ? "." : base
        let join = base.hasSuffix("/") || base.isEmpty ? base : base + "/"
        if part.contains("*") {
          let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
          for n in names where matches(n, part) { next.append(join + n) }
        } else {
          let candidate = join + part
          if i == parts.count - 1 ? FileManager.default.fileExists(atPath: candidate) : true {
            next.append(candidate)
          }
        }
      }
      results = next
    }
    return results.filter { FileManager.default.fileExists(atPath: $0) }
  }

  /// Whether `name` matches `pattern`, where `*` matches any run of characters.
  static func matches(_ name: String, _ pattern: String) -> Bool {
    let pieces = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
    guard name.hasPrefix(pieces[0]) else { return false }
    var rest = name.dropFirst(pieces[0].count)
    for (i, piece) in pieces.enumerated().dropFirst() {
      if i == pieces.count - 1 { return piece.isEmpty || rest.hasSuffix(piece) }
      guard let r = rest.range(of: piece) else { return false }
      rest = rest[r.upperBound...]
    }
    return rest.isEmpty
  }
}
