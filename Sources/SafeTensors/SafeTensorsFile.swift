import FileIntegrity
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
/// Validation follows the reference reader (huggingface `safetensors` 0.8):
/// the tensors must tile the data section exactly, in some order, with no
/// overlap, no hole and nothing after the last one; each byte range must equal
/// its shape times its dtype's width (in bits, for `F4` and `F6_*`, ending on
/// a byte); shapes and offsets are unsigned integers (`-0`, `1.0` and `1e0` are
/// not). As the reference does, this reader accepts whitespace before the
/// header's `{`, `"__metadata__": null` and unknown fields in a tensor entry
/// (ignored). Deliberately stricter than the reference: a name that appears
/// twice in the header is an error (the reference keeps one silently), and
/// golden files' checksums are verified by `FileIntegrity` callers. Anything
/// else is a ``SafeTensorsError`` naming what was wrong.
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
  /// The index in ``tensors`` of each name, for lookups in O(1).
  let position: [String: Int]

  /// Maps and validates the file at `path`.
  ///
  /// - Throws: ``SafeTensorsError``.
  /// - Complexity: O(header + tensors · log tensors); the data is mapped, not copied.
  public init(contentsOf path: String) throws(SafeTensorsError) {
    var st = stat()
    guard stat(path, &st) == 0 else {
      throw .io(path: path, reason: "cannot read: \(String(cString: strerror(errno)))")
    }
    guard st.st_mode & S_IFMT == S_IFREG else {
      throw .io(path: path, reason: "cannot read: not a regular file")
    }
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
    let json = try JSONValue.parse(header)
    guard case .object(let pairs) = json else {
      throw .invalidHeader(reason: "the header must be a JSON object")
    }
    var metadata: [String: String] = [:]
    var entries: [TensorEntry] = []
    for (name, value) in pairs {
      if name == "__metadata__" {
        if value == .null { continue }  // as the reference reader allows
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
    var position: [String: Int] = [:]
    position.reserveCapacity(entries.count)
    for (i, e) in entries.enumerated() { position[e.name] = i }
    self.position = position
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
      guard let x = dim.unsignedIntValue else {
        throw .invalidHeader(
          reason: "entry \"\(name)\" has a shape entry that is not a non-negative integer")
      }
      let (c, overflow) = count.multipliedReportingOverflow(by: x)
      guard !overflow else { throw .invalidHeader(reason: "entry \"\(name)\": shape overflows") }
      shape.append(x)
      count = c
    }
    guard let offs = value["data_offsets"]?.arrayValue, offs.count == 2,
      let begin = offs[0].unsignedIntValue, let end = offs[1].unsignedIntValue, begin <= end
    else {
      throw .invalidOffsets(
        tensor: name, reason: "data_offsets must be [begin, end] with 0 ≤ begin ≤ end")
    }
    let (bits, overflow) = count.multipliedReportingOverflow(by: dtype.bitWidth)
    guard !overflow else {
      throw .invalidOffsets(
        tensor: name, reason: "shape \(shape) of \(dtype.rawValue) needs more than Int.max bits")
    }
    guard bits % 8 == 0 else {
      throw .invalidOffsets(
        tensor: name,
        reason:
          "\(count) elements of \(dtype.rawValue) are \(bits) bits, not a whole number of bytes")
    }
    guard bits / 8 == end - begin else {
      throw .invalidOffsets(
        tensor: name,
        reason:
          "holds \(end - begin) bytes but shape \(shape) of \(dtype.rawValue) needs \(bits / 8)")
    }
    // Other fields are ignored, as the reference reader ignores them.
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
    guard let i = position[name] else { throw .missingTensor(name) }
    return tensors[i]
  }

  /// Whether the file holds a tensor named `name`.
  public func contains(_ name: String) -> Bool { position[name] != nil }

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
  /// The integer, if this is a number written with digits only (no sign,
  /// fraction or exponent) that fits in `Int`: what the reference reads as `usize`.
  var unsignedIntValue: Int? {
    guard case .number(let s) = self, !s.isEmpty,
      s.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
    else { return nil }
    return Int(s)
  }
}
