/// The Philox4x32-10 counter-based generator (Salmon et al., SC'11; cuRAND, PyTorch).
///
/// A pure function of a 128-bit counter and a 64-bit key: block `i` of a stream
/// can be computed without computing blocks `0..<i`, in any language, which is
/// what makes golden inputs reproducible from the seed alone.
///
/// One round maps counter `(c0, c1, c2, c3)` and key `(k0, k1)` to
///
///     (hi0, lo0) = 0xD2511F53 · c0      (hi1, lo1) = 0xCD9E8D57 · c2
///     (hi1 ⊕ c1 ⊕ k0,  lo1,  hi0 ⊕ c3 ⊕ k1,  lo0)
///
/// and the key is bumped by the Weyl constants `(0x9E3779B9, 0xBB67AE85)`
/// between rounds; ten rounds make one output block.
public struct Philox4x32: Sendable, Hashable {
  /// The key.
  public var key: (UInt32, UInt32)

  /// A generator with `key`.
  public init(key: (UInt32, UInt32)) { self.key = key }

  /// The key of a 64-bit seed: low word first.
  public init(seed: UInt64) {
    self.init(key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
  }

  /// Two generators are equal when their keys are.
  public static func == (a: Self, b: Self) -> Bool { a.key == b.key }
  /// Hashes the key.
  public func hash(into h: inout Hasher) {
    h.combine(key.0)
    h.combine(key.1)
  }

  /// The 10-round output block for `counter`.
  ///
  /// - Complexity: O(1).
  @inlinable
  public func block(_ counter: (UInt32, UInt32, UInt32, UInt32)) -> (UInt32, UInt32, UInt32, UInt32)
  {
    var c = counter
    var k0 = key.0
    var k1 = key.1
    for round in 0..<10 {
      if round > 0 {
        k0 &+= 0x9E37_79B9
        k1 &+= 0xBB67_AE85
      }
      let p0 = UInt64(0xD251_1F53) &* UInt64(c.0)
      let p1 = UInt64(0xCD9E_8D57) &* UInt64(c.2)
      let hi0 = UInt32(truncatingIfNeeded: p0 >> 32)
      let lo0 = UInt32(truncatingIfNeeded: p0)
      let hi1 = UInt32(truncatingIfNeeded: p1 >> 32)
      let lo1 = UInt32(truncatingIfNeeded: p1)
      c = (hi1 ^ c.1 ^ k0, lo1, hi0 ^ c.3 ^ k1, lo0)
    }
    return c
  }

  /// Four output blocks at once: lane `i` of the result is ``block(_:)`` of lane `i` of `counter`.
  ///
  /// - Complexity: O(1).
  @inlinable
  public func block4(
    _ counter: (SIMD4<UInt32>, SIMD4<UInt32>, SIMD4<UInt32>, SIMD4<UInt32>)
  ) -> (SIMD4<UInt32>, SIMD4<UInt32>, SIMD4<UInt32>, SIMD4<UInt32>) {
    var c = counter
    var k0 = SIMD4<UInt32>(repeating: key.0)
    var k1 = SIMD4<UInt32>(repeating: key.1)
    for round in 0..<10 {
      if round > 0 {
        k0 &+= 0x9E37_79B9
        k1 &+= 0xBB67_AE85
      }
      let p0 = SIMD4<UInt64>(truncatingIfNeeded: c.0) &* 0xD251_1F53
      let p1 = SIMD4<UInt64>(truncatingIfNeeded: c.2) &* 0xCD9E_8D57
      let hi0 = SIMD4<UInt32>(truncatingIfNeeded: p0 &>> 32)
      let lo0 = SIMD4<UInt32>(truncatingIfNeeded: p0)
      let hi1 = SIMD4<UInt32>(truncatingIfNeeded: p1 &>> 32)
      let lo1 = SIMD4<UInt32>(truncatingIfNeeded: p1)
      c = (hi1 ^ c.1 ^ k0, lo1, hi0 ^ c.3 ^ k1, lo0)
    }
    return c
  }
}
