import LeanAttention
import LeanAttentionExplain
import Testing

@Suite("Invariant-mode walkthrough (explain --invariant)")
struct CanonicalTreeWalkthroughTests {
  /// Every emitted node is a maximal aligned block of its CTA's tiles (found
  /// here by brute force), its tokens are those tiles' keys, and its state is
  /// attention over exactly those keys (a naive Float64 loop); the finished
  /// rows are attention over all keys.
  @Test(arguments: [PartitionerKind.lean, .fixedSplit, .perHead])
  func nodeStatesAreAttentionOverTheirKeys(_ kind: PartitionerKind) throws {
    let c = WalkthroughConfiguration(
      heads: 4, kvHeads: 2, tokens: 1500, headDim: 64, smCount: 3, partitioner: kind, blockN: 64)
    let walk = try CanonicalTreeWalkthrough(c)
    let naive = NaiveDecode(try c.problem(), seed: c.seed)
    let tiles = (1500 + 63) / 64
    #expect(!walk.nodes.isEmpty)
    for (o, pieces) in walk.schedule.pieces.enumerated() {
      let emitted = walk.nodes.filter { $0.output == o }
      var expected: [Range<Int>] = []
      for piece in pieces {
        // Maximal aligned blocks [i·2^k, (i+1)·2^k) ∩ [0, tiles) inside the piece.
        var i = piece.blocks.lowerBound
        while i < piece.blocks.upperBound {
          var k = 0
          while i % (1 << (k + 1)) == 0 && min(i + (1 << (k + 1)), tiles) <= piece.blocks.upperBound
            && (1 << k) < tiles
          {
            k += 1
          }
          let end = min(i + (1 << k), tiles)
          expected.append(i..<end)
          i = end
        }
      }
      #expect(emitted.map(\.tiles) == expected, "\(kind) output \(o)")
      for node in emitted {
        #expect(node.tokens == (node.tiles.lowerBound * 64)..<min(node.tiles.upperBound * 64, 1500))
        for s in node.states {
          let (lse, out) = naive.state(head: s.row.queryHead, tokens: node.tokens)
          #expect(abs(s.logSumExp - lse) < 1e-12, "\(kind) node \(node.tiles)")
          #expect(zip(s.output, out).allSatisfy { abs($0 - $1) < 1e-13 })
        }
      }
    }
    #expect(walk.results.count == 4)
    for r in walk.results {
      let (lse, out) = naive.state(head: r.row.queryHead, tokens: 0..<1500)
      #expect(abs(r.logSumExp - lse) < 1e-12)
      #expect(zip(r.output, out).allSatisfy { abs($0 - $1) < 1e-13 })
    }
    // The other partitioners, at the same blockN, give the same bits.
    #expect(walk.sameBits.count == PartitionerKind.allCases.count - 1)
    #expect(walk.sameBits.allSatisfy { $0.blockN != 64 || $0.same })
    let text = walk.text()
    #expect(text.contains("finishes the tree in canonical order") || kind == .perHead)
    #expect(text.contains("Emitted node states"))
  }
}
