import LeanAttention
import LeanAttentionGolden
import Testing

/// The four-lane Box–Muller that draws large tensors against the scalar definition.
///
/// What this checks independently is the four-lane Philox (`block4` against
/// the scalar `block`, which the Random123 known answers pin) and the
/// assembly of counters, uniforms and lanes. The scalar `ln`, `sin` and `cos`
/// are lane 0 of the same four-lane code, so their own oracle is the 80-bit
/// reference in `PortableElementaryTests`, and the committed corpus (written
/// before the four-lane version existed) regenerating byte for byte.
@Suite("Normal stream")
struct NormalStreamTests {
  @Test(
    "pairs4 is pair, lane by lane, bit for bit", arguments: [0, 7, 0xFFFF_FFFF_0000] as [UInt64])
  func fourLanes(start: UInt64) {
    let stream = NormalStream(seed: 0xDEAD_BEEF_1234, stream: 2)
    for m in start..<(start + 50_000) {
      let (a, b) = stream.pairs4(m)
      for lane in 0..<4 {
        let (x, y) = stream.pair(4 * m + UInt64(lane))
        #expect(
          a[lane].bitPattern == x.bitPattern && b[lane].bitPattern == y.bitPattern,
          "pair \(4 * m + UInt64(lane))")
      }
    }
  }

  @Test("samples(as:) rounds each scalar sample once, for any count")
  func samples() {
    let stream = NormalStream(seed: 11, stream: 1)
    for count in [0, 1, 2, 7, 8, 9, 33_000] {
      let h = stream.samples(count, standardDeviation: 3, as: Float16.self)
      #expect(h.count == count)
      for i in 0..<count {
        let (x, y) = stream.pair(UInt64(i / 2))
        #expect(h[i] == Float16(3 * (i % 2 == 0 ? x : y)))
      }
    }
  }
}
