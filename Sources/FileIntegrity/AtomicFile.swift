import Foundation

/// Writes a file so that a reader sees the old contents or the new ones, never
/// a part, and a killed writer leaves no litter behind.
///
/// The bytes go to an unnamed file (`O_TMPFILE`) in the destination's folder,
/// are flushed with `fsync` (when `sync`), get a name with `linkat` and replace the
/// destination with `rename(2)`. A process killed before `linkat` leaves
/// nothing: the kernel frees an unnamed file when its last descriptor closes.
/// Between `linkat` and `rename` (two system calls) the name is
/// `.NAME.tmp-PID-RANDOM`; where the file system lacks `O_TMPFILE` the whole
/// write goes through that name. Either way every write first removes such
/// names in its folder whose process is gone, so a later run cleans up after
/// a killed one.
public enum AtomicFile {
  /// The prefix and infix of temporary names for `name`: `.NAME.tmp-`.
  static func temporaryPrefix(for name: String) -> String { ".\(name).tmp-" }

  /// Writes `bytes` to `path` atomically.
  ///
  /// - Throws: ``FileIntegrityError/io(path:reason:)``.
  /// - Complexity: O(bytes + entries of the folder).
  public static func write(_ bytes: [UInt8], to path: String, sync: Bool = true)
    throws(FileIntegrityError)
  {
    try write(to: path, sync: sync) { emit in bytes.withUnsafeBytes { emit($0) } }
  }

  /// Writes what `produce` passes to its argument, in order, to `path` atomically.
  ///
  /// Large files are written from their parts without first gathering them
  /// into one buffer. Without `sync` the file is not flushed to disk before
  /// the rename: a killed run still leaves the old file or the new one, but
  /// a power loss may lose a just-written file (`fsync` of a 176 MB golden
  /// file took longer than computing it on a 2-core machine).
  ///
  /// - Throws: ``FileIntegrityError/io(path:reason:)``.
  /// - Complexity: O(bytes + entries of the folder).
  public static func write(
    to path: String, sync: Bool, _ produce: ((UnsafeRawBufferPointer) -> Void) -> Void
  ) throws(FileIntegrityError) {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent().path
    let name = url.lastPathComponent
    removeStaleTemporaries(in: folder)
    let tmp =
      "\(folder)/\(temporaryPrefix(for: name))\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    var named = false
    var fd = open(folder, O_WRONLY | O_TMPFILE_FLAG, 0o644)
    if fd < 0 {
      // No O_TMPFILE here (or an old kernel): a named temporary file.
      fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
      named = true
    }
    guard fd >= 0 else {
      throw .io(path: path, reason: "cannot create a file in \(folder): \(errnoText())")
    }
    var failure: String?
    produce { raw in
      if failure == nil { failure = writeAll(raw, to: fd) }
    }
    if failure == nil && sync && fsync(fd) != 0 { failure = "fsync failed: \(errnoText())" }
    if failure == nil && !named {
      // An unprivileged linkat of an O_TMPFILE goes through /proc.
      if linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0 {
        named = true
      } else {
        failure = "cannot name the new file: \(errnoText())"
      }
    }
    close(fd)
    if failure == nil && rename(tmp, path) != 0 { failure = "rename failed: \(errnoText())" }
    if let failure {
      if named { unlink(tmp) }
      throw .io(path: path, reason: failure)
    }
  }

  /// Removes `.NAME.tmp-PID-RANDOM` files in `folder` whose process no longer runs.
  public static func removeStaleTemporaries(in folder: String) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
    for n in names where n.hasPrefix(".") {
      guard let r = n.range(of: ".tmp-", options: .backwards) else { continue }
      let parts = n[r.upperBound...].split(separator: "-")
      guard parts.count == 2, let pid = Int32(parts[0]), UInt32(parts[1]) != nil else { continue }
      // kill(pid, 0) fails with ESRCH only when no such process exists.
      if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
        unlink("\(folder)/\(n)")
      }
    }
  }

  static func writeAll(_ raw: UnsafeRawBufferPointer, to fd: Int32) -> String? {
    guard let base = raw.baseAddress else { return nil }
    var done = 0
    while done < raw.count {
      let n = Foundation.write(fd, base + done, raw.count - done)
      if n < 0 {
        if errno == EINTR { continue }
        return "write failed: \(errnoText())"
      }
      done += n
    }
    return nil
  }

  static func errnoText() -> String { String(cString: strerror(errno)) }

  /// Linux's `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`), which Glibc does not export to Swift.
  static let O_TMPFILE_FLAG: Int32 = 0o20_000_000 | O_DIRECTORY
}
