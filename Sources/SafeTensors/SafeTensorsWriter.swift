import FileIntegrity
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Builds a safetensors file and writes it atomically.
///
/// Tensors are laid out in the order they are added and the header lists them
/// in that order, after `__metadata__`; the header is padded with spaces so
/// the data starts at a multiple of 8. The same calls give the same bytes.
public struct SafeTensorsWriter: Sendable {
  struct Pending: Sendable {
    var entry: TensorEntry
    var bytes: [UInt8]
  }

  var pending: [Pending] = []
  var size = 0
  /// The metadata, written in key order.
  public var metadata: [String: String] = [:]

  public init() {}

  /// Adds a tensor from its elements.
  ///
  /// - Throws: ``SafeTensorsError/duplicateName(_:)`` for a name already added
  ///   (or `__metadata__`), ``SafeTensorsError/unexpectedTensor(name:reason:)``
  ///   when the element count is not the product of the shape.
  public mutating func add<T: SafeTensorElement>(
    _ name: String, shape: [Int], values: [T]
  ) throws(SafeTensorsError) {
    var raw: [UInt8] = []
    raw.reserveCapacity(values.count * T.dtype.byteWidth)
    for v in values { v.append(to: &raw) }
    try add(name, dtype: T.dtype, shape: shape, bytes: raw)
  }

  /// Adds a tensor from its little-endian bytes.
  ///
  /// - Throws: as ``add(_:shape:values:)``.
  public mutating func add(
    _ name: String, dtype: DType, shape: [Int], bytes: [UInt8]
  ) throws(SafeTensorsError) {
    guard name != "__metadata__", !pending.contains(where: { $0.entry.name == name }) else {
      throw .duplicateName(name)
    }
    guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) * dtype.byteWidth == bytes.count else {
      throw .unexpectedTensor(
        name: name, reason: "\(bytes.count) bytes do not fill shape \(shape) of \(dtype.rawValue)")
    }
    pending.append(
      Pending(
        entry: TensorEntry(
          name: name, dtype: dtype, shape: shape, byteRange: size..<(size + bytes.count)),
        bytes: bytes))
    size += bytes.count
  }

  /// The tensors added so far, in file order.
  public var entries: [TensorEntry] { pending.map(\.entry) }

  /// Each added tensor's name and the SHA-256 of its bytes as hex, in file order
  /// (what ``SafeTensorsFile/sha256(of:)`` reads back).
  public var checksums: [(name: String, sha256: String)] {
    pending.map { p in (p.entry.name, p.bytes.withUnsafeBytes { SHA256.hex($0) }) }
  }

  /// The header JSON, unpadded.
  var header: JSONValue {
    var pairs: [(key: String, value: JSONValue)] = []
    if !metadata.isEmpty {
      pairs.append(
        (
          "__metadata__",
          .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
        ))
    }
    for p in pending {
      pairs.append(
        (
          p.entry.name,
          .object([
            ("dtype", .string(p.entry.dtype.rawValue)),
            ("shape", .array(p.entry.shape.map { .int($0) })),
            (
              "data_offsets",
              .array([.int(p.entry.byteRange.lowerBound), .int(p.entry.byteRange.upperBound)])
            ),
          ])
        ))
    }
    return .object(pairs)
  }

  /// The complete file.
  ///
  /// - Complexity: O(total bytes).
  public func serialized() -> [UInt8] {
    var head = Array(header.serialized.utf8)
    while (8 + head.count) % 8 != 0 { head.append(UInt8(ascii: " ")) }
    var out: [UInt8] = []
    out.reserveCapacity(8 + head.count + size)
    UInt64(head.count).appendLittleEndian(to: &out)
    out += head
    for p in pending { out += p.bytes }
    return out
  }

  /// Writes the file to `path` atomically: to a temporary file in the same
  /// folder, flushed to disk, then renamed over `path`.
  ///
  /// A crash leaves either the old file or the new one, never a partial file.
  ///
  /// - Throws: ``SafeTensorsError/io(path:reason:)``.
  public func write(to path: String) throws(SafeTensorsError) {
    try Self.writeAtomically(serialized(), to: path)
  }

  /// Writes `bytes` to `path` atomically, leaving no temporary file behind
  /// (see ``FileIntegrity/AtomicFile``).
  ///
  /// - Throws: ``SafeTensorsError/io(path:reason:)``.
  public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(SafeTensorsError) {
    do { try AtomicFile.write(bytes, to: path) } catch {
      switch error {
      case .io(_, let reason), .unusableOutput(_, let reason): throw .io(path: path, reason: reason)
      }
    }
  }
}
