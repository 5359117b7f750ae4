import LeanAttention
import PropertyBased
import Testing

/// FlashInfer's decode plan (`scheduler.cuh`) on hand-worked cases; shapes from
/// FlashInfer's `tests/attention/test_batch_decode_kernels.py` (batch 12/17/128,
/// KV 54/97/512/16384, page size 1/8/16, 4 KV heads).
@Suite("FlashInfer's balanced split plan")
struct BalancedSplitPlanTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var note: String
    var pages: [Int]
    var kvHeads: Int
    var maxGrid: Int
    var pageSize: Int
    var fixed: Int?
    var chunkPages: Int
    var chunks: [Int]
    var split: Bool
    var testDescription: String { note }
  }

  static let cases: [Case] = [
    // 12 × 512 tokens, pages of 16 → 32 pages; H100 at 4 CTAs/SM → grid 528; 12·4 = 48 < 528.
    // Search in [128/16 = 8, 32]: mid 20 → 12·2·4 = 96 ok; 14 → 12·3·4 = 144 ok; 11 → 144 ok;
    // 9 → 12·4·4 = 192 ok; 8 → 192 ok → the lower bound 8 binds: 4 chunks each.
    Case(
      note: "lower bound binds", pages: .init(repeating: 32, count: 12), kvHeads: 4, maxGrid: 528,
      pageSize: 16, chunkPages: 8, chunks: .init(repeating: 4, count: 12), split: true),
    // 12 × 16384 tokens → 1024 pages; need 12·⌈1024/c⌉·4 ≤ 528 → ⌈1024/c⌉ ≤ 11;
    // c = 93 gives ⌈11.01⌉ = 12, c = 94 gives ⌈10.89⌉ = 11 → 94, 11 chunks, 528 CTAs.
    Case(
      note: "grid binds", pages: .init(repeating: 1024, count: 12), kvHeads: 4, maxGrid: 528,
      pageSize: 16, chunkPages: 94, chunks: .init(repeating: 11, count: 12), split: true),
    // 128 × 54 tokens, page 1: 128·4 = 512 < 528, but the lower bound 128/1 = 128 is above
    // the longest request (54 pages): no search, chunk 128, one chunk each → no split.
    Case(
      note: "short requests", pages: .init(repeating: 54, count: 128), kvHeads: 4, maxGrid: 528,
      pageSize: 1, chunkPages: 128, chunks: .init(repeating: 1, count: 128), split: false),
    // 17 × 97 tokens, page 8: ⌈97/8⌉ = 13 pages < lower bound 16 → chunk 16, no split.
    Case(
      note: "page 8", pages: .init(repeating: 13, count: 17), kvHeads: 4, maxGrid: 528,
      pageSize: 8, chunkPages: 16, chunks: .init(repeating: 1, count: 17), split: false),
    // batch × KV heads = 2·4 = 8 ≥ grid 8: no split, chunk = max pages 7.
    Case(
      note: "enough CTAs", pages: [3, 7], kvHeads: 4, maxGrid: 8, pageSize: 16, chunkPages: 7,
      chunks: [1, 1], split: false),
    // Two empty requests and one of 40 pages, 1 KV head, grid 5: the search counts the empty
    // ones as 0 chunks, so c = 8 (⌈40/8⌉ = 5 ≤ 5) is feasible; the plan gives them 1 each:
    // 7 CTAs, more than the grid of 5.
    Case(
      note: "empty requests", pages: [0, 0, 40], kvHeads: 1, maxGrid: 5, pageSize: 16,
      chunkPages: 8, chunks: [1, 1, 5], split: true),
    // Page size 200 > 128: 128/200 = 0 → lower bound 1. 2 requests × 10 pages, 1 KV head,
    // grid 6: ⌈10/c⌉·2 ≤ 6 → ⌈10/c⌉ ≤ 3 → c = 4 (⌈2.5⌉ = 3), c = 3 gives 4 → 4.
    Case(
      note: "big pages", pages: [10, 10], kvHeads: 1, maxGrid: 6, pageSize: 200, chunkPages: 4,
      chunks: [3, 3], split: true),
    // fixed_split_size 4: ⌈max(0,1)/4⌉ = 1, ⌈5/4⌉ = 2, ⌈16/4⌉ = 4; some request splits.
    Case(
      note: "fixed split", pages: [0, 5, 16], kvHeads: 4, maxGrid: 528, pageSize: 16, fixed: 4,
      chunkPages: 4, chunks: [1, 2, 4], split: true),
    // fixed_split_size 16: every request is one chunk → no split.
    Case(
      note: "fixed split, no split", pages: [0, 5, 16], kvHeads: 4, maxGrid: 528, pageSize: 16,
      fixed: 16, chunkPages: 16, chunks: [1, 1, 1], split: false),
  ]

  @Test("Hand-worked plans", arguments: cases)
  func plans(_ c: Case) {
    let plan = BalancedSplitPlan.plan(
      pages: c.pages, kvHeads: c.kvHeads, maxGridSize: c.maxGrid, pageSize: c.pageSize,
      fixedSplitSize: c.fixed)
    #expect(plan.chunkPages == c.chunkPages)
    #expect(plan.chunks == c.chunks)
    #expect(plan.splitKV == c.split)
  }

  @Test(
    "The search's lower bound: max(128 / page size, 1) in integer division",
    arguments: [(1, 128), (8, 16), (16, 8), (64, 2), (100, 1), (128, 1), (129, 1), (4096, 1)])
  func lowerBound(_ page: Int, _ expected: Int) {
    #expect(BalancedSplitPlan.minChunkPages(pageSize: page) == expected)
  }

  @Test("The binary search finds the smallest feasible chunk (against a linear scan)")
  func searchIsMinimal() async {
    let gen = zip(
      Gen.int(in: 0...300).array(of: 1...12), Gen.int(in: 1...8), Gen.int(in: 1...600),
      Gen.int(in: 1...40))
    await propertyCheck(count: 300, input: gen) { pages, heads, grid, minChunk in
      let (c, total) = BalancedSplitPlan.searchChunk(
        pages: pages, kvHeads: heads, maxGridSize: grid, minChunk: minChunk)
      // Linear scan written from the definition: the first c from the lower bound up to
      // the longest request whose chunks (empty requests counting 0) fit the grid; the
      // lower bound if that range is empty, the longest request if nothing fits.
      let longest = pages.max() ?? 0
      var expected = minChunk
      if minChunk < longest {
        expected = longest
        for k in minChunk..<longest {
          let n = pages.map { ($0 + k - 1) / k }.reduce(0, +)
          if n * heads <= grid {
            expected = k
            break
          }
        }
      }
      #expect(c == expected, "pages \(pages) heads \(heads) grid \(grid) min \(minChunk)")
      #expect(total == pages.map { (Swift.max($0, 1) + c - 1) / c }.reduce(0, +))
    }
  }
}
