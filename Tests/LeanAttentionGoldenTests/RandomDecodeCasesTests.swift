import LeanAttention
import LeanAttentionGolden
import Testing

@Suite("Random decode cases")
struct RandomDecodeCasesTests {
  @Test("A seed names a case list; every case is a valid decode problem")
  func seedNamesTheCases() throws {
    var a = RandomDecodeCases(seed: 7)
    var b = RandomDecodeCases(seed: 7)
    var c = RandomDecodeCases(seed: 8)
    var differs = false
    for i in 0..<50 {
      let x = try a.next(index: i)
      let y = try b.next(index: i)
      let z = try c.next(index: i)
      #expect(x.problem == y.problem && x.dtype == y.dtype && x.layout == y.layout)
      differs = differs || x.problem != z.problem
      #expect(x.name == "random-\(i)")
      #expect(x.problem.requests.allSatisfy { $0.queryLength == 1 })
      #expect((1...6).contains(x.problem.batchSize))
      #expect([64, 128].contains(x.problem.headDim))
      #expect(x.problem.requests.filter { $0.kvLength >= 4000 }.count <= 1)
      #expect(x.dtype == .f16 || x.dtype == .bf16)
    }
    #expect(differs)
  }

  @Test("Draws are x0 mod n, or 53 bits of x0 and x1, of Philox blocks (n, 0, stream, 0)")
  func drawsArePhilox() {
    var r = PhiloxDraws(seed: 123, stream: 9)
    let gen = Philox4x32(seed: 123)
    for (n, bound) in [10, 7, 1, 3000].enumerated() {
      let x = gen.block((UInt32(n + 1), 0, 9, 0)).0
      #expect(r.next(below: bound) == Int(x % UInt32(bound)))
    }
    let x = gen.block((5, 0, 9, 0))
    let unit = (Double(x.0 >> 5) * 0x1p26 + Double(x.1 >> 6)) * 0x1p-53
    #expect(r.uniform(-2, 6) == -2 + 8 * unit)
  }
}
