import Foundation

/// One tensor's entry in a safetensors header.
public struct TensorEntry: Hashable, Sendable {
  /// The tensor's name.
  public var name: String
  /// Its element type.
  public var dtype: DType
  /// Its shape; `[]` is a scalar.
  public var shape: [Int]
  /// Its bytes, relative to the start of the data section.
  public var byteRange: Range<Int>

  /// The number of elements (1 for a scalar).
  public var elementCount: Int { shape.reduce(1, *) }
}

/// A safetensors file, read and validated, with its data memory-mapped.
///
/// The layout is: an 8-byte little-endian header length `n`; `n` bytes of
/// UTF-8 JSON (an object, possibly padded with trailing spaces) mapping each
/// tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}`, plus an
/// optional `"__metadata__"` map of strings to strings; then the data, each
/// tensor in little-endian C order at its offsets relative to the data start.
///
/// Validation is strict: the tensors must tile the data section exactly, in
/// some order, with no overlap, no hole and nothing after the last one, and
/// each byte range must equal its shape times its dtype's width. Anything else
/// is a ``SafeTensorsError`` naming what was wrong.
public struct SafeTensorsFile: Sendable {
  /// The largest header this reader accepts (the reference implementation's limit).
  public static let maxHeaderLength = 100_000_000

  /// The `__metadata__` map (empty when absent).
  public let metadata: [String: String]
  /// The tensors, in data order.
  public let tensors: [TensorEntry]
  /// The whole file (memory-mapped when read from disk).
  public let bytes: Data
  /// Where the data section starts in `bytes`.
  public let dataStart: Int

  /// Maps and validates the file at `path`.
  ///
  /// - Throws: ``SafeTensorsError``.
  /// - Complexity: O(header + tensors · log tensors); the data is mapped, not copied.
  public init(contentsOf path: String) throws(SafeTensorsError) {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
    } catch {
      throw .io(path: path, reason: "cannot read: \(error.localizedDescription)")
    }
    try self.init(bytes: data)
  }

  /// Validates a file held in memory.
  ///
  /// - Throws: ``SafeTensorsError``.
  public init(bytes: Data) throws(SafeTensorsError) {
    guard bytes.count >= 8 else { throw .truncated(size: bytes.count) }
    var n: UInt64 = 0
    for i in 0..<8 { n |= UInt64(bytes[bytes.startIndex + i]) << (8 * UInt64(i)) }
    guard n <= UInt64(Self.maxHeaderLength), n <= UInt64(bytes.count - 8) else {
      throw .headerLength(declared: n, fileSize: bytes.count)
    }
    let header = bytes[(bytes.startIndex + 8)..<(bytes.startIndex + 8 + Int(n))]
    if let bad = Self.firstInvalidUTF8(header) { throw .invalidUTF8(byteOffset: bad) }
    guard header.first == UInt8(ascii: "{") else {
      throw .invalidHeader(reason: "the header must start with '{'")
    }
    let json = try JSONValue.parse(header)
    guard case .object(let pairs) = json else {
      throw .invalidHeader(reason: "the header must be a JSON object")
    }
    var metadata: [String: String] = [:]
    var entries: [TensorEntry] = []
    for (name, value) in pairs {
      if name == "__metadata__" {
        guard case .object(let m) = value else {
          throw .invalidHeader(reason: "__metadata__ must be an object of strings")
        }
        for (k, v) in m {
          guard let s = v.stringValue else {
            throw .invalidHeader(reason: "__metadata__ value of \"\(k)\" is not a string")
          }
          metadata[k] = s
        }
        continue
      }
      entries.append(try Self.entry(name, value))
    }
    let dataSize = bytes.count - 8 - Int(n)
    entries.sort {
      ($0.byteRange.lowerBound, $0.byteRange.upperBound) < (
        $1.byteRange.lowerBound, $1.byteRange.upperBound
      )
    }
    var end = 0
    for e in entries {
      if e.byteRange.lowerBound < end {
        throw .invalidOffsets(
          tensor: e.name,
          reason: "bytes \(e.byteRange) overlap the previous tensor, which ends at \(end)")
      }
      if e.byteRange.lowerBound > end {
        throw .invalidOffsets(
          tensor: e.name,
          reason:
            "starts at \(e.byteRange.lowerBound) but the previous tensor ends at \(end); holes are not allowed"
        )
      }
      if e.byteRange.upperBound > dataSize {
        throw .invalidOffsets(
          tensor: e.name,
          reason: "ends at \(e.byteRange.upperBound), past the \(dataSize)-byte data section")
      }
      end = e.byteRange.upperBound
    }
    guard end == dataSize else { throw .trailingBytes(count: dataSize - end) }
    self.metadata = metadata
    self.tensors = entries
    self.bytes = bytes
    self.dataStart = 8 + Int(n)
  }

  static func entry(_ name: String, _ value: JSONValue) throws(SafeTensorsError) -> TensorEntry {
    guard case .object = value else {
      throw .invalidHeader(reason: "entry \"\(name)\" must be an object")
    }
    guard let d = value["dtype"]?.stringValue else {
      throw .invalidHeader(reason: "entry \"\(name)\" has no string \"dtype\"")
    }
    guard let dtype = DType(rawValue: d) else { throw .unknownDType(tensor: name, dtype: d) }
    guard let dims = value["shape"]?.arrayValue else {
      throw .invalidHeader(reason: "entry \"\(name)\" has no \"shape\" array")
    }
    var shape: [Int] = []
    var count = 1
    for dim in dims {
      guard let x = dim.intValue, x >= 0 else {
        throw .invalidHeader(
          reason: "entry \"\(name)\" has a shape entry that is not a non-negative integer")
      }
      let (c, overflow) = count.multipliedReportingOverflow(by: x)
      guard !overflow else { throw .invalidHeader(reason: "entry \"\(name)\": shape overflows") }
      shape.append(x)
      count = c
    }
    guard let offs = value["data_offsets"]?.arrayValue, offs.count == 2,
      let begin = offs[0].intValue, let end = offs[1].intValue, begin >= 0, begin <= end
    else {
      throw .invalidOffsets(
        tensor: name, reason: "data_offsets must be [begin, end] with 0 ≤ begin ≤ end")
    }
    let (size, overflow) = count.multipliedReportingOverflow(by: dtype.byteWidth)
    guard !overflow, size == end - begin else {
      throw .invalidOffsets(
        tensor: name,
        reason:
          "holds \(end - begin) bytes but shape \(shape) of \(dtype.rawValue) needs \(overflow ? "more than Int.max" : "\(size)")"
      )
    }
    if let extra = value.objectKeys.first(where: {
      !["dtype", "shape", "data_offsets"].contains($0)
    }) {
      throw .invalidHeader(reason: "entry \"\(name)\" has unknown field \"\(extra)\"")
    }
    return TensorEntry(name: name, dtype: dtype, shape: shape, byteRange: begin..<end)
  }

  /// The offset (within `header`) of the first byte that is not valid UTF-8, or `nil`.
  static func firstInvalidUTF8(_ header: Data) -> Int? {
    var it = header.makeIterator()
    var decoder = UTF8()
    var consumed = 0
    // Transcoding reports errors but not where; count the bytes of valid scalars instead.
    while true {
      switch decoder.decode(&it) {
      case .scalarValue(let s): consumed += UTF8.width(s)
      case .emptyInput: return nil
      case .error: return consumed
      }
    }
  }

  /// The entry of `name`.
  ///
  /// - Throws: ``SafeTensorsError/missingTensor(_:)``.
  public func entry(_ name: String) throws(SafeTensorsError) -> TensorEntry {
    guard let e = tensors.first(where: { $0.name == name }) else { throw .missingTensor(name) }
    return e
  }

  /// Whether the file holds a tensor named `name`.
  public func contains(_ name: String) -> Bool { tensors.contains { $0.name == name } }

  /// Calls `body` with the raw bytes of `entry`.
  public func withBytes<R>(of entry: TensorEntry, _ body: (UnsafeRawBufferPointer) throws -> R)
    rethrows -> R
  {
    try bytes.withUnsafeBytes { all in
      try body(
        UnsafeRawBufferPointer(
          rebasing: all[
            (dataStart + entry.byteRange.lowerBound)..<(dataStart + entry.byteRange.upperBound)]))
    }
  }

  /// The SHA-256 of a tensor's bytes, as hex.
  public func sha256(of entry: TensorEntry) -> String {
    withBytes(of: entry) { SHA256.hex($0) }
  }

  /// The elements of `name`, which must have `T`'s dtype.
  ///
  /// - Throws: ``SafeTensorsError/missingTensor(_:)`` or ``SafeTensorsError/unexpectedTensor(name:reason:)``.
  public func values<T: SafeTensorElement>(_ name: String, as _: T.Type = T.self)
    throws(SafeTensorsError) -> [T]
  {
    let e = try entry(name)
    guard e.dtype == T.dtype else {
      throw .unexpectedTensor(
        name: name, reason: "dtype is \(e.dtype.rawValue); \(T.dtype.rawValue) is needed")
    }
    return withBytes(of: e) { raw in
      (0..<e.elementCount).map { T.load(from: raw, at: $0 * T.dtype.byteWidth) }
    }
  }

  /// The elements of a floating-point tensor of any width, widened exactly to `Double`.
  ///
  /// - Throws: ``SafeTensorsError/missingTensor(_:)``, or
  ///   ``SafeTensorsError/unexpectedTensor(name:reason:)`` for an integer tensor.
  public func doubles(_ name: String) throws(SafeTensorsError) -> [Double] {
    let e = try entry(name)
    guard e.dtype.isFloatingPoint else {
      throw .unexpectedTensor(
        name: name, reason: "dtype is \(e.dtype.rawValue); a floating-point dtype is needed")
    }
    return withBytes(of: e) { raw in
      let n = e.elementCount
      switch e.dtype {
      case .f64: return (0..<n).map { Double.load(from: raw, at: 8 * $0) }
      case .f32: return (0..<n).map { Double(Float.load(from: raw, at: 4 * $0)) }
      case .f16: return (0..<n).map { Double(Float16.load(from: raw, at: 2 * $0)) }
      default:  // BF16: the high half of a Float32
        return (0..<n).map {
          Double(Float(bitPattern: UInt32(UInt16.loadLittleEndian(from: raw, at: 2 * $0)) << 16))
        }
      }
    }
  }
}

extension JSONValue {
  var objectKeys: [String] {
    if case .object(let pairs) = self { return pairs.map(\.key) }
    return []
  }
}
