import Foundation
import LeanAttention
import LeanAttentionExplain
import Testing

/// The walkthrough's numbers against a naive Float64 decode written here.
@Suite struct WalkthroughTests {
  /// The issue's default, every partitioner, and lean cuts that cross a head boundary.
  static let configurations: [WalkthroughConfiguration] =
    PartitionerKind.allCases.map { WalkthroughConfiguration(partitioner: $0) } + [
      WalkthroughConfiguration(grid: 3),
      WalkthroughConfiguration(
        heads: 4, kvHeads: 2, tokens: 700, headDim: 32, smCount: 3, blockN: 64),
    ]

  @Test(arguments: configurations)
  func tilesCoverEveryTokenOnce(_ c: WalkthroughConfiguration) throws {
    let w = try Walkthrough(c)
    // The tile size is the partitioner's input (FlashAttention-3's split
    // picks its own kernel tile), so it is read from the schedule.
    let blockN = w.schedule.blockN
    if let asked = c.blockN { #expect(blockN == asked) }
    for head in w.heads {
      // Closed form: ⌈tokens / blockN⌉ tiles of blockN tokens, the last one short.
      #expect(head.tiles.count == (c.tokens + blockN - 1) / blockN)
      for (k, t) in head.tiles.enumerated() {
        #expect(t == (k * blockN)..<min((k + 1) * blockN, c.tokens))
      }
      // The pieces of a head, in split order, tile 0..<tokens without gap or overlap.
      let pieces = w.ctas.flatMap(\.pieces).filter { $0.head == head.output }
        .sorted { $0.split < $1.split }
      var next = 0
      for p in pieces {
        #expect(p.tokens.lowerBound == next)
        next = p.tokens.upperBound
      }
      #expect(next == c.tokens)
    }
  }

  @Test(arguments: configurations)
  func partialStatesMatchNaiveAttention(_ c: WalkthroughConfiguration) throws {
    let w = try Walkthrough(c)
    let naive = NaiveDecode(w.problem, seed: c.seed)
    for piece in w.ctas.flatMap(\.pieces) {
      for s in piece.states {
        let (lse, o) = naive.state(head: s.row.queryHead, tokens: piece.tokens)
        #expect(abs(s.logSumExp - lse) <= 1e-12)
        #expect(zip(s.output, o).allSatisfy { abs($0 - $1) <= 1e-12 })
      }
    }
  }

  /// A merge of split `k` combines keys `0..<start(k)` with split `k`'s keys, so
  /// its factors are `e^{lse(piece) − lse(union)}`, computed here from the keys.
  @Test(arguments: configurations)
  func mergeFactorsFromPartialLSEs(_ c: WalkthroughConfiguration) throws {
    let w = try Walkthrough(c)
    let naive = NaiveDecode(w.problem, seed: c.seed)
    let text = w.text()
    var merges = 0
    for r in w.reductions {
      let pieces = w.ctas.flatMap(\.pieces).filter { $0.head == r.head }
      for m in r.merges {
        let incoming = try #require(pieces.first { $0.split == m.split })
        #expect(incoming.cta == m.cta)
        let before = naive.state(head: m.row.queryHead, tokens: 0..<incoming.tokens.lowerBound)
        let piece = naive.state(head: m.row.queryHead, tokens: incoming.tokens)
        let union = naive.state(head: m.row.queryHead, tokens: 0..<incoming.tokens.upperBound)
        #expect(abs(m.runningLSE - before.lse) <= 1e-12)
        #expect(abs(m.incomingLSE - piece.lse) <= 1e-12)
        let fa = exp(before.lse - union.lse)
        let fb = exp(piece.lse - union.lse)
        #expect(abs(m.runningFactor - fa) <= 1e-12)
        #expect(abs(m.incomingFactor - fb) <= 1e-12)
        #expect(abs(m.result.logSumExp - union.lse) <= 1e-12)
        // The weights are e^{lse − max}: one of them is 1.
        #expect(max(m.runningWeight, m.incomingWeight) == 1)
        #expect(abs(m.runningWeight - exp(before.lse - max(before.lse, piece.lse))) <= 1e-12)
        // What is printed is these numbers.
        #expect(text.contains("factors \(decimal(fa)) / \(decimal(fb))"))
        #expect(text.contains("a \(decimal(before.lse)), b \(decimal(piece.lse))"))
        merges += 1
      }
    }
    // Fixed-split and lean cut the default problem's heads; per-head never does.
    let cuts = w.heads.contains { h in
      w.ctas.flatMap(\.pieces).filter { $0.head == h.output }.count > 1
    }
    #expect((merges > 0) == cuts)
    if c.partitioner == .perHead { #expect(merges == 0) }
  }

  @Test(arguments: configurations)
  func outputAgainstNaiveAttention(_ c: WalkthroughConfiguration) throws {
    let w = try Walkthrough(c)
    let naive = NaiveDecode(w.problem, seed: c.seed)
    #expect(w.results.count == c.heads)
    var maxO = 0.0
    var maxL = 0.0
    for r in w.results {
      let (lse, o) = naive.state(head: r.row.queryHead, tokens: 0..<c.tokens)
      #expect(abs(r.exactLogSumExp - lse) <= 1e-12)
      #expect(zip(r.exactOutput, o).allSatisfy { abs($0 - $1) <= 1e-12 })
      #expect(zip(r.output, o).allSatisfy { abs($0 - $1) <= 1e-12 })
      for (x, y) in zip(r.output, r.exactOutput) { maxO = max(maxO, abs(x - y)) }
      maxL = max(maxL, abs(r.logSumExp - r.exactLogSumExp))
    }
    #expect(w.maxOutputError == maxO)
    #expect(w.maxLSEError == maxL)
    #expect(w.text().contains("max |O − O_exact| = \(String(format: "%.3e", maxO))"))
  }

  @Test func badSizesAreTypedErrors() {
    for c in [
      WalkthroughConfiguration(heads: 0), WalkthroughConfiguration(tokens: 0),
      WalkthroughConfiguration(tokens: 1 << 40), WalkthroughConfiguration(smCount: 0),
      WalkthroughConfiguration(grid: -1), WalkthroughConfiguration(blockN: 0),
      WalkthroughConfiguration(heads: 3, kvHeads: 2), WalkthroughConfiguration(headDim: 0),
    ] {
      #expect(throws: AttentionError.self) { try Walkthrough(c) }
    }
  }

  func decimal(_ x: Double) -> String { String(format: "%.6f", x) }
}

extension WalkthroughConfiguration: CustomTestStringConvertible {
  public var testDescription: String {
    "\(partitioner.rawValue), \(heads)/\(kvHeads ?? heads) heads, \(tokens) tokens, D \(headDim), \(smCount) SMs, grid \(grid.map(String.init) ?? "default")"
  }
}
