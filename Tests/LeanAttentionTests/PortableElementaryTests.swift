import Foundation
import LeanAttention
import Testing

/// The library's own `log`, `tanh`, `sin` and `cos` against 80-bit references.
@Suite("Portable elementary functions")
struct PortableElementaryTests {
  /// `count` points spread over `range`, plus `extra`.
  static func points(_ range: ClosedRange<Double>, count: Int, extra: [Double] = []) -> [Double] {
    (0..<count).map {
      range.lowerBound + (range.upperBound - range.lowerBound) * Double($0) / Double(count - 1)
    } + extra
  }

  /// Random doubles with uniformly random exponents in `exponents` (both signs when `signed`).
  static func logUniform(_ exponents: ClosedRange<Int>, count: Int, signed: Bool) -> [Double] {
    var state: UInt64 = 0x2545_F491_4F6C_DD1D
    return (0..<count).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let e = exponents.lowerBound + Int((state >> 40) % UInt64(exponents.count))
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let m = 1 + Double(state >> 12) * 0x1p-52
      let sign = signed && state & 1 == 1 ? -1.0 : 1.0
      return sign * m * Double(sign: .plus, exponent: e, significand: 1)
    }
  }

  #if arch(x86_64)
    /// Worst error of `f` in ulps of the correctly rounded result.
    static func worstUlps(
      _ xs: [Double], _ f: (Double) -> Double, _ reference: (Float80) -> Float80
    ) -> (ulps: Double, at: Double) {
      var worst = (ulps: 0.0, at: 0.0)
      for x in xs {
        let ref = reference(Float80(x))
        let rounded = Double(ref)
        let y = f(x)
        let ulps =
          rounded == 0
          ? (y == 0 ? 0 : .infinity) : Double(abs(Float80(y) - ref) / Float80(rounded.ulp))
        if !(ulps <= worst.ulps) { worst = (ulps, x) }
      }
      return worst
    }

    @Test("log: within 1 ulp over normal and subnormal inputs")
    func log() {
      let xs =
        Self.logUniform(-1074...1023, count: 200_000, signed: false)
        + Self.points(0.5...2, count: 100_001, extra: [1, 2, 0.5, Double.leastNonzeroMagnitude])
        + Self.points(1 - 0x1p-18...1 + 0x1p-18, count: 20_001)
      let worst = Self.worstUlps(xs, Double.portableLog) { Float80.log($0) }
      #expect(worst.ulps <= 1, "log(\(worst.at)): \(worst.ulps) ulp")
      #expect(worst.ulps > 0.3)  // the reference is really compared
    }

    @Test("sin and cos: within 1 ulp on [−2π, 2π] and beyond")
    func sinCos() {
      let xs =
        Self.points(-2 * Double.pi...2 * Double.pi, count: 300_001)
        + Self.points(0...1e5, count: 100_001)
        // Near multiples of π/2, where the reduction cancels most bits.
        + (1...200).flatMap { k in
          let x = Double(k) * Double.pi / 2
          return [x, x.nextUp, x.nextDown, x.nextUp.nextUp]
        }
        + [0, -0.0, 1e-300, 0x1p-30, PortableSinCos.domain]
      let s = Self.worstUlps(xs, { PortableSinCos.sinCos($0).sin }) { Float80.sin($0) }
      let c = Self.worstUlps(xs, { PortableSinCos.sinCos($0).cos }) { Float80.cos($0) }
      #expect(s.ulps <= 1, "sin(\(s.at)): \(s.ulps) ulp")
      #expect(c.ulps <= 1, "cos(\(c.at)): \(c.ulps) ulp")
      #expect(s.ulps > 0.3 && c.ulps > 0.3)
    }

    @Test("tanh: within 5 ulp")
    func tanh() {
      let xs =
        Self.points(-25...25, count: 200_001)
        + Self.logUniform(-60...5, count: 100_000, signed: true)
      let worst = Self.worstUlps(xs, Double.portableTanh) { Float80.tanh($0) }
      #expect(worst.ulps <= 5, "tanh(\(worst.at)): \(worst.ulps) ulp")
      #expect(worst.ulps > 0.3)
    }

    @Test("Float versions: within 1 Float ulp")
    func float() {
      let xs = Self.points(-30...30, count: 50_001).map { Float($0) }
      for x in xs {
        let t = Float.portableTanh(x)
        let refT = Float80.tanh(Float80(x))
        #expect(abs(Float80(t) - refT) <= Float80(Float(refT).ulp), "tanh(\(x))")
        let e = Float.portableExp(x)
        let refE = Float80.exp(Float80(x))
        #expect(abs(Float80(e) - refE) <= Float80(Float(refE).ulp), "exp(\(x))")
        if x > 0 {
          let l = Float.portableLog(x)
          let refL = Float80.log(Float80(x))
          #expect(abs(Float80(l) - refL) <= Float80(Float(refL).ulp), "log(\(x))")
        }
      }
    }
  #endif

  @Test("Special values follow C99 Annex F")
  func specials() {
    #expect(Double.portableLog(0) == -.infinity)
    #expect(Double.portableLog(-0.0) == -.infinity)
    #expect(Double.portableLog(-1).isNaN)
    #expect(Double.portableLog(.infinity) == .infinity)
    #expect(Double.portableLog(.nan).isNaN)
    #expect(Double.portableLog(1) == 0)
    #expect(Double.portableTanh(.infinity) == 1)
    #expect(Double.portableTanh(-.infinity) == -1)
    #expect(Double.portableTanh(.nan).isNaN)
    #expect(Double.portableTanh(-0.0).sign == .minus)
    #expect(Double.portableExp(-.infinity) == 0)
    #expect(Double.portableExp(.infinity) == .infinity)
    #expect(PortableSinCos.sinCos(.infinity).sin.isNaN)
    #expect(PortableSinCos.sinCos(.nan).cos.isNaN)
    #expect(PortableSinCos.sinCos(PortableSinCos.domain * 2).sin.isNaN)
    #expect(PortableSinCos.sinCos(0) == (0, 1))
  }
}
