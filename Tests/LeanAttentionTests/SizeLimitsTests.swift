import Foundation
import LeanAttention
import Testing

/// Absurd sizes are typed errors, found before anything is allocated.
@Suite("Size limits")
struct SizeLimitsTests {
  static let hostile = [Int(Int32.max) + 1, Int.max, 1 << 62, -1, Int.min]

  func problem(
    q: Int = 1, kv: Int = 16, hq: Int = 4, hkv: Int = 4, d: Int = 64, batch: Int = 1,
    mask: AttentionMask = .none
  ) throws(AttentionError) -> AttentionProblem {
    try AttentionProblem(
      requests: Array(repeating: RequestShape(queryLength: q, kvLength: kv), count: batch),
      queryHeads: hq, kvHeads: hkv, headDim: d, mask: mask)
  }

  @Test(arguments: hostile)
  func everyProblemFieldRejectsHostileValues(_ x: Int) {
    #expect(throws: AttentionError.self) { try problem(q: x) }
    #expect(throws: AttentionError.self) { try problem(kv: x) }
    #expect(throws: AttentionError.self) { try problem(hq: x, hkv: 1) }
    #expect(throws: AttentionError.self) { try problem(hq: 4, hkv: x) }
    #expect(throws: AttentionError.self) { try problem(d: x) }
    #expect(throws: AttentionError.self) { try problem(mask: .slidingWindow(left: x, right: 0)) }
    #expect(throws: AttentionError.self) { try problem(mask: .slidingWindow(left: 0, right: x)) }
    #expect(throws: AttentionError.self) { try DeviceModel(smCount: x) }
    #expect(throws: AttentionError.self) { try DeviceModel(smCount: 8, ctasPerSM: x) }
  }

  // Sums that overflow Int are errors, not traps: two requests of 2^62 tokens each, twice.
  @Test func tokenSumsOverflowingIntAreErrors() {
    let r = RequestShape(queryLength: 1 << 62, kvLength: 1 << 62)
    #expect(throws: AttentionError.self) {
      try AttentionProblem(requests: [r, r, r, r], queryHeads: 1, kvHeads: 1, headDim: 8)
    }
  }

  // At Int32.max exactly, lengths are accepted while the element count fits Int32.
  @Test func int32MaxIsTheLimit() throws {
    let n = Int(Int32.max)
    let p = try problem(q: 0, kv: n, hq: 1, hkv: 1, d: 1)
    #expect(p.totalKVTokens == n)
    #expect(throws: AttentionError.self) { try problem(q: 0, kv: n, hq: 1, hkv: 1, d: 2) }
    // With 64-token blocks one output has 2^31/64 = 2^25 lean tiles: over the cap, refused.
    let big = try problem(q: 1, kv: n, hq: 1, hkv: 1, d: 1)
    #expect(throws: AttentionError.self) {
      try LeanPartitioner(blockN: 64).schedule(big, on: .h100)
    }
  }

  @Test(arguments: [Int(Int32.max), Int.max, 1 << 62, -1, 0])
  func partitionerParametersRejectHostileValues(_ x: Int) throws {
    let p = try problem(q: 1, kv: 4096, hq: 8, hkv: 8, d: 128)
    #expect(throws: AttentionError.self) {
      try FixedSplitPartitioner(numSplits: x).schedule(p, on: .h100)
    }
    #expect(throws: AttentionError.self) { try LeanPartitioner(blockN: x).schedule(p, on: .h100) }
    if x < 1 {
      #expect(throws: AttentionError.self) { try LeanPartitioner(grid: x).schedule(p, on: .h100) }
    } else {
      // A grid larger than the tiles is clamped to one tile per CTA: 8 heads × 32 blocks.
      #expect(try LeanPartitioner(grid: x).schedule(p, on: .h100).ctas.count == 8 * 32)
    }
  }

  // The caps are upper bounds computed per request, in O(requests).
  @Test func scheduleCapsCountTilesWithoutEnumerating() throws {
    // 64 rows per output, 1 head: outputs = q / 64; tiles = outputs × ⌈kv / 128⌉.
    let over = try problem(q: 64 * 4096, kv: 128 * 8192, hq: 1, hkv: 1, d: 128)
    // 4096 outputs × 8192 blocks = 2^25 > 2^24 lean tiles.
    #expect(4096 * 8192 > ScheduleLimits.maxTiles)
    #expect(throws: AttentionError.self) { try PerHeadPartitioner().schedule(over, on: .h100) }
    let under = try problem(q: 64, kv: 128 * 8192, hq: 1, hkv: 1, d: 128)
    #expect(try PerHeadPartitioner().schedule(under, on: .h100).outputs.count == 1)
  }

  @Test func memoryBudgetStatesSizeAndLimit() throws {
    let budget = try MemoryBudget.standard(environment: ["LEANATTN_MEMORY_BUDGET": "1K"])
    #expect(budget.bytes == 1024)
    #expect(
      try MemoryBudget.standard(environment: ["LEANATTN_MEMORY_BUDGET": "3G"]).bytes == 3 << 30)
    for bad in ["", "0", "-1", "1X", "99999999999999999999", "9223372036854775807T"] {
      #expect(throws: AttentionError.self, "\(bad)") {
        try MemoryBudget.standard(environment: ["LEANATTN_MEMORY_BUDGET": bad])
      }
    }
    do {
      try budget.check("a test", bytes: 2048)
      Issue.record("2048 bytes passed a 1024-byte budget")
    } catch {
      #expect("\(error)".contains("2048") && "\(error)".contains("1024"))
    }
    #expect(throws: AttentionError.self) { try budget.check("overflow", bytes: nil) }
    try budget.check("fits", bytes: 1024)
  }

  // Q, K, V, O at 4 bytes and LSE at 8, counted independently here.
  @Test func tensorBytesCountsEveryTensor() throws {
    let p = try AttentionProblem(
      requests: [
        RequestShape(queryLength: 3, kvLength: 5), RequestShape(queryLength: 2, kvLength: 7),
      ],
      queryHeads: 4, kvHeads: 2, headDim: 8)
    let q = 5 * 4 * 8
    let kv = 12 * 2 * 8
    #expect(p.tensorBytes(elementBytes: 4) == 4 * (2 * q + 2 * kv) + 8 * 5 * 4)
  }
}
