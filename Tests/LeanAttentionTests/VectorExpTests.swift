import Foundation
import LeanAttention
import RealModule
import Testing

/// The softmax's vectorized `exp`, reached through the public
/// `BLASScalar.expSubtracting`, against a wider reference.
@Suite("Vectorized exp")
struct VectorExpTests {
  /// Evenly spread points of `range` plus `extra`, in a scrambled order so
  /// that every lane position of the vector loop and the scalar tail sees them.
  static func samples(_ range: ClosedRange<Double>, count: Int, extra: [Double]) -> [Double] {
    var xs = (0..<count).map {
      range.lowerBound + (range.upperBound - range.lowerBound) * Double($0) / Double(count - 1)
    }
    xs += extra
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for i in stride(from: xs.count - 1, to: 0, by: -1) {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      xs.swapAt(i, Int((state >> 33) % UInt64(i + 1)))
    }
    return xs
  }

  /// Runs `expSubtracting` with shift 0 and checks the returned sum too.
  static func exps<T: BLASScalar>(_ xs: [T]) -> [T] {
    var buffer = xs
    let sum = buffer.withUnsafeMutableBufferPointer {
      T.expSubtracting(0, $0.baseAddress!, count: $0.count)
    }
    let finite = buffer.filter { $0.isFinite }
    if finite.count == buffer.count {
      let naive = finite.reduce(0.0) { $0 + Double($1) }
      #expect(abs(Double(sum) - naive) <= 1e-6 * Swift.max(1, abs(naive)))
    }
    return buffer
  }

  #if arch(x86_64)
    @Test("Double: within 1 ulp of an 80-bit reference, subnormals and overflow included")
    func double() {
      let extra: [Double] = [
        0, -0.0, 1e-300, -1e-300, 0.5 * Double.log(2), -0.5 * Double.log(2), 1, -1, 709.78, 709.79,
        -708.39,
        -708.40, -720, -744.44, -745.13, -745.14, -1000, 1000, 1e-9, -1e-9,
      ]
      let xs = Self.samples(-750...712, count: 200_003, extra: extra)
      let ys = Self.exps(xs)
      var worst = 0.0
      for (x, y) in zip(xs, ys) {
        let ref = Float80.exp(Float80(x))
        let rounded = Double(ref)
        if rounded.isInfinite || rounded == 0 {
          #expect(y == rounded, "exp(\(x)) = \(y), expected \(rounded)")
          continue
        }
        let ulps = Double(abs(Float80(y) - ref) / Float80(rounded.ulp))
        worst = Swift.max(worst, ulps)
        #expect(ulps <= 1, "exp(\(x)) = \(y): \(ulps) ulp")
      }
      #expect(worst > 0)  // the comparison is not vacuous
    }
  #endif

  @Test("Float: within 2 ulp of a Float64 reference, subnormals and overflow included")
  func float() {
    let extra: [Double] = [0, -0.0, 1e-30, -1e-30, 88.72, 88.73, -87.33, -87.34, -103.27, -103.28]
    let xs = Self.samples(-110...95, count: 100_003, extra: extra).map { Float($0) }
    let ys = Self.exps(xs)
    for (x, y) in zip(xs, ys) {
      let ref = Double.exp(Double(x))
      let rounded = Float(ref)
      if rounded.isInfinite || rounded == 0 {
        #expect(y == rounded, "exp(\(x)) = \(y), expected \(rounded)")
        continue
      }
      let ulps = abs(Double(y) - ref) / Double(rounded.ulp)
      #expect(ulps <= 2, "exp(\(x)) = \(y): \(ulps) ulp")
    }
  }

  @Test("NaN stays NaN, −∞ gives 0", arguments: [1, 4, 8, 9, 13])
  func specials(count: Int) {
    for position in 0..<count {
      var xs = [Double](repeating: -1, count: count)
      xs[position] = .nan
      let yd = Self.exps(xs)
      #expect(yd[position].isNaN)
      // The other lanes are untouched by the NaN.
      let clean = Self.exps([Double](repeating: -1, count: count))
      #expect(yd.indices.allSatisfy { $0 == position || yd[$0] == clean[$0] })
      let yf = Self.exps(xs.map { Float($0) })
      #expect(yf[position].isNaN)
      xs[position] = -.infinity
      #expect(Self.exps(xs)[position] == 0)
      #expect(Self.exps(xs.map { Float($0) })[position] == 0)
    }
  }
}
