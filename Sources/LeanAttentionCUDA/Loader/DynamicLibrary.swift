#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A shared library opened with `dlopen`, closed when released.
final class DynamicLibrary {
  let path: String
  let handle: UnsafeMutableRawPointer

  /// Opens `path` (a file path, or a name the loader resolves), or returns the `dlerror` text.
  static func open(_ path: String) -> Result<DynamicLibrary, DynamicLibraryError> {
    guard let h = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
      let reason = dlerror().map { String(cString: $0) } ?? "dlopen failed"
      return .failure(DynamicLibraryError(reason: reason))
    }
    return .success(DynamicLibrary(path: path, handle: h))
  }

  private init(path: String, handle: UnsafeMutableRawPointer) {
    self.path = path
    self.handle = handle
  }

  deinit { dlclose(handle) }

  /// The function `name`, cast to the C function type `T`.
  func function<T>(_ name: String, as _: T.Type) throws(CUDAError) -> T {
    guard let p = dlsym(handle, name) else { throw .missingSymbol(library: path, symbol: name) }
    return unsafeBitCast(p, to: T.self)
  }
}

struct DynamicLibraryError: Error {
  var reason: String
}
