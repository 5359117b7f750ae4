@preconcurrency import Crypto

/// SHA-256 (FIPS 180-4), incremental: the checksum golden files record for every tensor.
///
/// A thin wrapper over swift-crypto's `SHA256`, which uses the CPU's SHA
/// instructions where it has them (BoringSSL). It is checked against the NIST
/// example vectors and against Python's `hashlib` in the interop tests.
public struct SHA256: Sendable {
  var hasher = Crypto.SHA256()

  public init() {}

  /// Adds bytes to the message.
  ///
  /// - Complexity: O(bytes).
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    hasher.update(bufferPointer: bytes)
  }

  /// Adds bytes to the message.
  public mutating func update(_ bytes: some Sequence<UInt8>) { hasher.update(data: Array(bytes)) }

  /// The 32-byte digest of everything added.
  public func finalize() -> [UInt8] { Array(hasher.finalize()) }

  /// The digest of `bytes` as 64 lowercase hex digits.
  ///
  /// - Complexity: O(bytes).
  public static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
    var h = SHA256()
    h.update(bytes)
    return h.hexDigest
  }

  /// The digest as 64 lowercase hex digits.
  public var hexDigest: String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in finalize() {
      out.append(digits[Int(byte >> 4)])
      out.append(digits[Int(byte & 15)])
    }
    return String(decoding: out, as: UTF8.self)
  }
}
