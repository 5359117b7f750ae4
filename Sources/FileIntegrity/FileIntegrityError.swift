/// Why a file could not be written, or why a path cannot take an output.
public enum FileIntegrityError: Error, Hashable, Sendable {
  /// The path cannot be used as an output file or folder.
  case unusableOutput(path: String, reason: String)
  /// A system call failed while writing.
  case io(path: String, reason: String)
}

extension FileIntegrityError: CustomStringConvertible {
  /// One line naming the file and the reason, as the CLI prints it.
  public var description: String {
    switch self {
    case .unusableOutput(let path, let reason): return "\(path): \(reason)"
    case .io(let path, let reason): return "\(path): \(reason)"
    }
  }
}
