import Crypto
import Foundation

/// SHA-256 (FIPS 180-4) as lowercase hex, from swift-crypto.
///
/// Golden files record one digest per tensor and the CUDA kernel cache is keyed
/// by one; both read them as 64 lowercase hex digits.
///
/// - Complexity: O(bytes hashed).
public struct SHA256 {
  private var hasher = Crypto.SHA256()

  /// An empty hash.
  public init() {}

  /// Adds bytes to the hash.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    hasher.update(bufferPointer: bytes)
  }

  /// Adds a sequence of bytes to the hash.
  public mutating func update(_ bytes: some Sequence<UInt8>) {
    let array = Array(bytes)
    array.withUnsafeBytes { hasher.update(bufferPointer: $0) }
  }

  /// The 32-byte digest of everything added (the hash itself is left unchanged).
  public func finalize() -> [UInt8] { Array(hasher.finalize()) }

  /// The digest as 64 lowercase hex digits.
  public var hexDigest: String { Self.hexString(finalize()) }

  /// The SHA-256 of `bytes`, as 64 lowercase hex digits.
  public static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
    hexString(Array(Crypto.SHA256.hash(data: bytes)))
  }

  static func hexString(_ digest: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(2 * digest.count)
    for b in digest {
      out.append(digits[Int(b >> 4)])
      out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
  }
}
