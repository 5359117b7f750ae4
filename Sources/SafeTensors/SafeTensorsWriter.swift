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
  /// A tensor's little-endian bytes, held without a copy.
  struct Payload: Sendable {
    let count: Int
    let withBytes: @Sendable ((UnsafeRawBufferPointer) -> Void) -> Void
  }

  struct Pending: Sendable {
    var entry: TensorEntry
    var payload: Payload
  }

  var pending: [Pending] = []
  var names: Set<String> = []
  var size = 0
  /// The metadata, written in key order.
  public var metadata: [String: String] = [:]

  /// An empty file: no tensors and no metadata.
  public init() {}

  /// Adds a tensor from its elements.
  ///
  /// On a little-endian host the array is kept as it is (its buffer is
  /// shared, not copied) and written straight to the file, so a writer
  /// holding large inputs needs no second copy of them.
  ///
  /// - Throws: ``SafeTensorsError/duplicateName(_:)`` for a name already added
  ///   (or `__metadata__`), ``SafeTensorsError/unexpectedTensor(name:reason:)``
  ///   when the element count is not the product of the shape.
  public mutating func add<T: SafeTensorElement>(
    _ name: String, shape: [Int], values: [T]
  ) throws(SafeTensorsError) {
    #if _endian(little)
      // Every SafeTensorElement is stored as its little-endian bit pattern.
      let count = values.count * T.dtype.byteWidth
      try add(
        name, dtype: T.dtype, shape: shape,
        payload: Payload(count: count, withBytes: { body in values.withUnsafeBytes(body) }))
    #else
      var raw: [UInt8] = []
      raw.reserveCapacity(values.count * T.dtype.byteWidth)
      for v in values { v.append(to: &raw) }
      try add(name, dtype: T.dtype, shape: shape, bytes: raw)
    #endif
  }

  /// Adds a tensor from its little-endian bytes.
  ///
  /// - Throws: as ``add(_:shape:values:)``.
  public mutating func add(
    _ name: String, dtype: DType, shape: [Int], bytes: [UInt8]
  ) throws(SafeTensorsError) {
    try add(
      name, dtype: dtype, shape: shape,
      payload: Payload(count: bytes.count, withBytes: { body in bytes.withUnsafeBytes(body) }))
  }

  mutating func add(
    _ name: String, dtype: DType, shape: [Int], payload: Payload
  ) throws(SafeTensorsError) {
    guard name != "__metadata__", !names.contains(name) else {
      throw .duplicateName(name)
    }
    guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) * dtype.byteWidth == payload.count
    else {
      throw .unexpectedTensor(
        name: name,
        reason: "\(payload.count) bytes do not fill shape \(shape) of \(dtype.rawValue)")
    }
    pending.append(
      Pending(
        entry: TensorEntry(
          name: name, dtype: dtype, shape: shape, byteRange: size..<(size + payload.count)),
        payload: payload))
    names.insert(name)
    size += payload.count
  }

  /// The tensors added so far, in file order.
  public var entries: [TensorEntry] { pending.map(\.entry) }

  /// Each added tensor's name and the SHA-256 of its bytes as hex, in file order
  /// (what ``SafeTensorsFile/sha256(of:)`` reads back).
  public var checksums: [(name: String, sha256: String)] {
    pending.map { p in
      var hex = ""
      p.payload.withBytes { hex = SHA256.hex($0) }
      return (p.entry.name, hex)
    }
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

  /// The 8-byte header length and the padded header.
  var prefix: [UInt8] {
    var head = Array(header.serialized.utf8)
    while (8 + head.count) % 8 != 0 { head.append(UInt8(ascii: " ")) }
    var out: [UInt8] = []
    UInt64(head.count).appendLittleEndian(to: &out)
    return out + head
  }

  /// The complete file.
  ///
  /// - Complexity: O(total bytes).
  public func serialized() -> [UInt8] {
    var out = prefix
    out.reserveCapacity(out.count + size)
    for p in pending { p.payload.withBytes { out.append(contentsOf: $0) } }
    return out
  }

  /// Writes the file to `path` atomically: to a temporary file in the same
  /// folder, then renamed over `path`; with `sync`, flushed to disk first.
  ///
  /// The tensors are written straight from their arrays, never gathered
  /// into one buffer. An interrupted or killed run leaves either the old
  /// file or the new one under `path`, never a partial file. Without
  /// `sync`, a power loss may lose a just-written file: `fsync` of a
  /// 176 MB file took longer than computing it on the 2-core machine.
  ///
  /// - Throws: ``SafeTensorsError/io(path:reason:)``.
  public func write(to path: String, sync: Bool = false) throws(SafeTensorsError) {
    let head = prefix
    try Self.writeAtomically(to: path, sync: sync) { emit in
      head.withUnsafeBytes { emit($0) }
      for p in pending { p.payload.withBytes { emit($0) } }
    }
  }

  /// Writes `bytes` to `path` atomically, leaving no temporary file behind
  /// (see `FileIntegrity/AtomicFile`); with `sync`, flushed to disk first.
  ///
  /// - Throws: ``SafeTensorsError/io(path:reason:)``.
  public static func writeAtomically(_ bytes: [UInt8], to path: String, sync: Bool = false)
    throws(SafeTensorsError)
  {
    try writeAtomically(to: path, sync: sync) { emit in bytes.withUnsafeBytes { emit($0) } }
  }

  /// Writes what `produce` emits to `path` through ``FileIntegrity/AtomicFile``.
  static func writeAtomically(
    to path: String, sync: Bool,
    _ produce: ((UnsafeRawBufferPointer) -> Void) -> Void
  ) throws(SafeTensorsError) {
    do { try AtomicFile.write(to: path, sync: sync, produce) } catch {
      switch error {
      case .io(_, let reason), .unusableOutput(_, let reason): throw .io(path: path, reason: reason)
      }
    }
  }
}
