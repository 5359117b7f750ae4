import Foundation

/// Checks that a path can take an output before any work is done, so that a
/// long computation never ends in "cannot write".
///
/// A file output must be a regular file or not exist yet, in an existing,
/// writable folder. Devices (`/dev/null`), FIFOs, sockets and folders are
/// refused: an atomic write replaces the path by `rename(2)`, which would
/// replace a device node rather than write to it.
public enum OutputLocation {
  /// Throws unless `path` can be written as a regular file.
  ///
  /// - Throws: ``FileIntegrityError/unusableOutput(path:reason:)``.
  public static func checkFile(_ path: String) throws(FileIntegrityError) {
    guard !path.isEmpty else { throw .unusableOutput(path: path, reason: "empty path") }
    var st = stat()
    if stat(path, &st) == 0 {
      let kind = st.st_mode & S_IFMT
      guard kind == S_IFREG else {
        throw .unusableOutput(
          path: path, reason: "is \(describe(kind)); give the path of a regular file")
      }
    }
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    try checkWritableFolder(folder, for: path)
  }

  /// Throws unless `path` is a writable folder or can be created as one.
  ///
  /// - Throws: ``FileIntegrityError/unusableOutput(path:reason:)``.
  public static func checkFolder(_ path: String) throws(FileIntegrityError) {
    guard !path.isEmpty else { throw .unusableOutput(path: path, reason: "empty path") }
    // The nearest existing ancestor decides: it must be a writable folder.
    var current = URL(fileURLWithPath: path).standardizedFileURL.path
    while true {
      var st = stat()
      if stat(current, &st) == 0 {
        let kind = st.st_mode & S_IFMT
        guard kind == S_IFDIR else {
          throw .unusableOutput(
            path: path,
            reason:
              current == URL(fileURLWithPath: path).standardizedFileURL.path
              ? "is \(describe(kind)), not a folder"
              : "\(current) is \(describe(kind)), not a folder")
        }
        try checkWritableFolder(current, for: path)
        return
      }
      let parent = URL(fileURLWithPath: current).deletingLastPathComponent().path
      if parent == current {
        throw .unusableOutput(path: path, reason: "no existing parent folder")
      }
      current = parent
    }
  }

  static func checkWritableFolder(_ folder: String, for path: String) throws(FileIntegrityError) {
    var st = stat()
    guard stat(folder, &st) == 0 else {
      throw .unusableOutput(path: path, reason: "folder \(folder) does not exist")
    }
    guard st.st_mode & S_IFMT == S_IFDIR else {
      throw .unusableOutput(path: path, reason: "\(folder) is not a folder")
    }
    guard access(folder, W_OK | X_OK) == 0 else {
      throw .unusableOutput(
        path: path, reason: "folder \(folder) is not writable: \(String(cString: strerror(errno)))")
    }
  }

  static func describe(_ kind: mode_t) -> String {
    switch kind {
    case S_IFDIR: return "a folder"
    case S_IFCHR: return "a character device"
    case S_IFBLK: return "a block device"
    case S_IFIFO: return "a FIFO"
    case S_IFSOCK: return "a socket"
    case S_IFLNK: return "a symbolic link"
    default: return "not a regular file"
    }
  }
}
