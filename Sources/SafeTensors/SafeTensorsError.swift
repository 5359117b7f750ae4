/// Why a safetensors file could not be read or written.
///
/// Every case names what was wrong and what the format allows, so a message
/// can be shown to a user as it is.
public enum SafeTensorsError: Error, Hashable, Sendable {
  /// The file is shorter than the 8-byte header length.
  case truncated(size: Int)
  /// The header length is over the limit or runs past the end of the file.
  case headerLength(declared: UInt64, fileSize: Int)
  /// The header is not valid UTF-8.
  case invalidUTF8(byteOffset: Int)
  /// The header is not valid JSON, or not the JSON the format requires.
  case invalidHeader(reason: String)
  /// A name (or a metadata key) appears twice.
  case duplicateName(String)
  /// A dtype outside the format's vocabulary.
  case unknownDType(tensor: String, dtype: String)
  /// A tensor's byte range is inconsistent with its neighbours, its shape or the file.
  case invalidOffsets(tensor: String, reason: String)
  /// Bytes after the last tensor.
  case trailingBytes(count: Int)
  /// A tensor the caller asked for is not in the file.
  case missingTensor(String)
  /// A tensor has a different dtype or shape from what the caller needs.
  case unexpectedTensor(name: String, reason: String)
  /// A stored checksum does not match the tensor's bytes.
  case checksumMismatch(tensor: String, expected: String, actual: String)
  /// The file system refused a read or write.
  case io(path: String, reason: String)
}

extension SafeTensorsError: CustomStringConvertible {
  /// One line saying what was wrong and what is allowed, as the CLI prints it.
  public var description: String {
    switch self {
    case .truncated(let size):
      return "file is \(size) bytes; a safetensors file starts with an 8-byte header length"
    case .headerLength(let n, let size):
      return
        "header length \(n) is invalid for a \(size)-byte file; it must be at most \(SafeTensorsFile.maxHeaderLength) and fit in the file after the first 8 bytes"
    case .invalidUTF8(let at):
      return "header is not valid UTF-8 (byte \(at) of the header)"
    case .invalidHeader(let reason):
      return "invalid header: \(reason)"
    case .duplicateName(let name):
      return "name \"\(name)\" appears more than once in the header; names must be unique"
    case .unknownDType(let t, let d):
      return
        "tensor \"\(t)\" has unknown dtype \"\(d)\"; allowed: \(DType.allCases.map(\.rawValue).joined(separator: ", "))"
    case .invalidOffsets(let t, let reason):
      return "tensor \"\(t)\": \(reason)"
    case .trailingBytes(let n):
      return "\(n) bytes after the last tensor; the data must end where the last tensor ends"
    case .missingTensor(let name):
      return "no tensor named \"\(name)\" in the file"
    case .unexpectedTensor(let name, let reason):
      return "tensor \"\(name)\": \(reason)"
    case .checksumMismatch(let t, let e, let a):
      return "tensor \"\(t)\": SHA-256 is \(a) but the metadata records \(e); the file is corrupt"
    case .io(let path, let reason):
      return "\(path): \(reason)"
    }
  }
}
