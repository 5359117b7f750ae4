import LeanAttention
import Testing

/// FlashAttention-3's split decisions on hand-worked cases. Shapes come from
/// `hopper/heuristics.h` (its comment's example), `hopper/flash_api.cpp` (its
/// comment "we never split for hdim = 128 and seqlen_k = 512") and
/// `hopper/test_flash_attn.py::test_flash_attn_kvcache` (batch 5, 6 query heads,
/// 6/3/1 KV heads, D 128, (seqlen_q, seqlen_k) = (1, 339), (16, 20000)).
@Suite("FlashAttention-3's split heuristic")
struct FA3SplitHeuristicTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var note: String
    var total: Int32
    var sms: Int32
    var n: Int32
    var m: Int32
    var size: Int32 = 0
    var causal = false
    var expected: Int32
    var testDescription: String { note }
  }

  static let cases: [Case] = [
    // heuristics.h: batch·heads = 48 on 108 SMs. 48 < 0.8·108 = 86.4. With 16 KV blocks,
    // limit min(128, 108, 16) = 16; efficiencies 48s/108 / ⌈·⌉: s=1 .444, 2 .889, 3 .667,
    // 4 .889, 5 .741, 6 .889, 7 .778, 8 .889, 9 (432/108 = 4) 1.0 → best 1.0, threshold
    // .85 → the first at or above is s = 2 (.889).
    Case(note: "heuristics.h example", total: 48, sms: 108, n: 16, m: 1, expected: 2),
    // 4 KV blocks or fewer: never split (1 block row, 132 SMs).
    Case(note: "4 blocks", total: 1, sms: 132, n: 4, m: 1, expected: 1),
    // 5 blocks: limit 5, efficiencies s/132 rise with s, best 5/132, threshold 4.25/132 → 5.
    Case(note: "5 blocks", total: 1, sms: 132, n: 5, m: 1, expected: 5),
    // Float rule: 0.8f·10 = 8.0000001192… rounds to 8.0f, so 8 ≥ 8 → 1 split. In exact or
    // Double(0.8f) arithmetic 8 < 8.0000001 and the search would run: limit 10,
    // efficiencies .8 for s = 1…4 and 1.0 for s = 5 → 5.
    Case(note: "0.8f rounding", total: 8, sms: 10, n: 100, m: 1, expected: 1),
    // Max splits 128: 1 row block, 200 SMs, 1000 blocks: limit min(128, 200, 1000) = 128;
    // efficiencies s/200, best .64, threshold .85·.64 = .544 → s = 109 (.545; 108 gives .54).
    Case(note: "128 cap", total: 1, sms: 200, n: 1000, m: 1, expected: 109),
    // L2 rule: seqlen_q 40000 (MHA, kBlockM 128) → 313 row blocks ≥ 0.8·132 and ≥ 2·132;
    // seqlen_k 200000, D 128: one KV head is 200000·256·2 = 102400000 B > 50 MiB = 52428800
    // → ⌈102400000 / 52428800⌉ = (102400000 + 52428799) / 52428800 = 2 (int division).
    Case(
      note: "L2 rule", total: 313, sms: 132, n: 1137, m: 313, size: 102_400_000,
      expected: 2),
    // The same but causal: the L2 rule does not apply → 1.
    Case(
      note: "L2 rule, causal", total: 313, sms: 132, n: 1563, m: 313, size: 102_400_000,
      causal: true, expected: 1),
    // The same with 30000 query rows: 235 row blocks < 264 → 1.
    Case(
      note: "L2 rule, few rows", total: 235, sms: 132, n: 1137, m: 235, size: 102_400_000,
      expected: 1),
  ]

  @Test("num_splits_heuristic", arguments: cases)
  func heuristic(_ c: Case) {
    #expect(
      FA3SplitHeuristic.numSplits(
        totalMBlocks: c.total, numSMs: c.sms, numNBlocks: c.n, numMBlocks: c.m,
        sizeOneKVHead: c.size, causalOrLocal: c.causal, maxSplits: 128) == c.expected)
  }

  struct LaunchCase: Sendable, CustomTestStringConvertible {
    var note: String
    var batch: Int
    var q: Int
    var k: Int
    var heads: Int
    var kvHeads: Int
    var d: Int = 128
    var mask: AttentionMask = .none
    var device: DeviceModel = .h100
    var blockM: Int32
    var blockN: Int32
    var splits: Int32
    var testDescription: String { note }
  }

  static let launches: [LaunchCase] = [
    // flash_api.cpp: "we never split for hdim = 128 and seqlen_k = 512": kBlockN 176 →
    // ⌈512/176⌉ = 3 ≤ 4 → 1 (1 request, 8 heads: 8 < 105.6).
    LaunchCase(
      note: "hdim 128, seqlen_k 512", batch: 1, q: 1, k: 512, heads: 8, kvHeads: 8, blockM: 128,
      blockN: 176, splits: 1),
    // test_flash_attn_kvcache (1, 339), batch 5, MHA 6 heads: 30 row blocks < 105.6;
    // ⌈339/176⌉ = 2 ≤ 4 → 1.
    LaunchCase(
      note: "kvcache (1, 339)", batch: 5, q: 1, k: 339, heads: 6, kvHeads: 6, blockM: 128,
      blockN: 176, splits: 1),
    // (16, 20000), batch 5, MQA (6 heads over 1): packed rows 16·6 = 96 → 1 row block;
    // total 5·1·1 = 5; ⌈20000/176⌉ = 114 (113·176 = 19888); limit min(128, 132, 114) = 114.
    // Efficiencies 5s/132 / ⌈·⌉ peak at s = 26 (.985), 52 (.985), 79 (395/396 = .9975),
    // 105 (.9943) → best .9975, threshold .8479 → s = 23 (115/132 = .871; 22 gives .833).
    LaunchCase(
      note: "kvcache (16, 20000) MQA", batch: 5, q: 16, k: 20000, heads: 6, kvHeads: 1,
      blockM: 128, blockN: 176, splits: 23),
    // The paper example on an H100: 56 heads × 6144, decode. ⌈6144/176⌉ = 35 (35·176 = 6160);
    // total 56; limit 35; 56s/132: s=2 .8485, 4 .8485, 6 .8485 (all < .85), 7 (392/396)
    // .9899, 33 (1848 = 14·132) 1.0 = best → first ≥ .85 is s = 7.
    LaunchCase(
      note: "paper example, H100", batch: 1, q: 1, k: 6144, heads: 56, kvHeads: 56, blockM: 128,
      blockN: 176, splits: 7),
    // The same on an A100 (SM80, 4 warps): kBlockN 64 → 96 blocks; limit min(128, 108, 96)
    // = 96; 56s/108: s=1 .519, 2 .519, 3 .778, 4 .691, 5 (280/324) .864; s = 27 gives
    // 1512 = 14·108 → 1.0 = best → first ≥ .85 is s = 5.
    LaunchCase(
      note: "paper example, A100", batch: 1, q: 1, k: 6144, heads: 56, kvHeads: 56,
      device: .a100, blockM: 128, blockN: 64, splits: 5),
    // Causal decode is not causal for FlashAttention-3 (seqlen_q == 1): kBlockN stays 176.
    LaunchCase(
      note: "causal decode", batch: 1, q: 1, k: 6144, heads: 56, kvHeads: 56, mask: .causal(),
      blockM: 128, blockN: 176, splits: 7),
    // Causal prefill, D 64: kBlockM 192, kBlockN 128. 1 request, 4 heads, q = k = 1000:
    // ⌈1000/192⌉ = 6 row blocks, total 24 < 105.6; ⌈1000/128⌉ = 8 blocks; limit 8;
    // 24s/132: s=1 .182, 2 .364, 3 .545, 4 .727, 5 .909 (120/132), 6 (144/132 → /2) .545,
    // 7 (168/132 → /2) .636, 8 (192/132 → /2) .727 → best .909, threshold .773 → s = 5.
    LaunchCase(
      note: "causal prefill D 64", batch: 1, q: 1000, k: 1000, heads: 4, kvHeads: 4, d: 64,
      mask: .causal(), blockM: 192, blockN: 128, splits: 5),
    // Local window (left 256, right 0), decode, D 128: seqlen_q 1 → right 0 ≥ 0 becomes −1,
    // left 256 < 6143 stays: local, kBlockN 128; loaded keys min(6144, 0 + 256 + 1 + 128)
    // = 385 → ⌈385/128⌉ = 4 blocks ≤ 4 → 1.
    LaunchCase(
      note: "local decode", batch: 1, q: 1, k: 6144, heads: 56, kvHeads: 56,
      mask: .slidingWindow(left: 256, right: 0), blockM: 128, blockN: 128, splits: 1),
  ]

  @Test("get_num_splits with tile sizes and mask normalization", arguments: launches)
  func launch(_ c: LaunchCase) throws {
    let p = try AttentionProblem(
      requests: Array(repeating: .init(queryLength: c.q, kvLength: c.k), count: c.batch),
      queryHeads: c.heads, kvHeads: c.kvHeads, headDim: c.d, mask: c.mask)
    let l = try FA3Launch(problem: p, device: c.device)
    #expect(!l.varlen)
    #expect(l.blockM == c.blockM)
    #expect(l.blockN == c.blockN)
    #expect(l.staticSplits == c.splits)
  }

  @Test("prepare_varlen_num_blocks: dynamic splits per request")
  func dynamicSplits() throws {
    // Decode of 3 requests (1000, 30000, 100 keys), 64 query heads over 8 KV heads, D 128,
    // H100. kBlockN 176 → KV blocks 6, 171 (170·176 = 29920), 1; packed rows 8 → 1 row block.
    // Static (varlen: batch counted as 1): total 8; max_seqlen_k 30000 → 171 blocks; limit 128;
    // 8s/132 reaches .85 first at s = 15 (120/132 = .909; 14 gives .848), best 1.0 (s = 33).
    // blocks per SM = ⌈178 · 1.1 · 8 / 132⌉ = ⌈11.87⌉ = 12 → ⌈6/12⌉ = 1, min(⌈171/12⌉ = 15, 15),
    // ⌈1/12⌉ = 1.
    let p = try AttentionProblem(
      requests: [1000, 30000, 100].map { .init(queryLength: 1, kvLength: $0) }, queryHeads: 64,
      kvHeads: 8, headDim: 128)
    let (launch, s, perRequest) = try FA3SplitPartitioner().splits(p, on: .h100)
    #expect(launch.varlen)
    #expect(s == 15)
    #expect(perRequest == [1, 15, 1])
    #expect(
      FA3SplitHeuristic.dynamicSplits(
        mBlocks: [1, 1, 1], nBlocks: [6, 171, 1], heads: 8, numSMs: 132, staticSplits: 15)
        == [1, 15, 1])
    // Float arithmetic: 120 blocks · 1.1f = 132.0000029 rounds to 132.0f → /132 = 1 block per
    // SM, so a 118-block request takes 118 splits and a 2-block one 2. In Double with the
    // constant 1.1f, 132.0000029/132 > 1 would give 2 per SM (59 and 1 splits).
    #expect(
      FA3SplitHeuristic.dynamicSplits(
        mBlocks: [1, 1], nBlocks: [118, 2], heads: 1, numSMs: 132, staticSplits: 128) == [118, 2])
    // Static 1, a batch above 992, or no work at all: one split each.
    #expect(
      FA3SplitHeuristic.dynamicSplits(
        mBlocks: [1, 1], nBlocks: [118, 2], heads: 1, numSMs: 132, staticSplits: 1) == [1, 1])
    #expect(
      FA3SplitHeuristic.dynamicSplits(
        mBlocks: .init(repeating: 1, count: 993), nBlocks: .init(repeating: 50, count: 993),
        heads: 1, numSMs: 132, staticSplits: 8) == .init(repeating: 1, count: 993))
    #expect(
      FA3SplitHeuristic.dynamicSplits(
        mBlocks: [1, 1], nBlocks: [0, 0], heads: 8, numSMs: 132, staticSplits: 8) == [1, 1])
  }

  @Test("The schedules on hand-worked cases: split boundaries and CTA order")
  func schedules() throws {
    // Paper example on an H100: 7 splits of ⌈35/7⌉ = 5 blocks of 176 tokens; grid 56·7;
    // CTA order batch, head, split → CTA 8 is head 1, split 1: blocks 5..<10.
    let paper = try AttentionProblem(
      requests: [.init(queryLength: 1, kvLength: 6144)], queryHeads: 56, kvHeads: 56, headDim: 128)
    let s = try FA3SplitPartitioner().schedule(paper, on: .h100)
    #expect(s.blockN == 176)
    #expect(s.ctas.count == 392)
    #expect(s.ctas.allSatisfy { $0.count == 1 && $0[0].blocks.count == 5 })
    #expect(s.ctas[8] == [Segment(output: 1, blocks: 5..<10)])
    #expect(s.numSplits == 7)
    // The varlen example: requests sorted by blocks per split, longest first: request 1
    // (⌈171/15⌉ = 12), request 0 (6), request 2 (1); 8 heads each: 8·(15 + 1 + 1) = 136 CTAs.
    // CTA 14 is request 1, head 0, split 14: 14·12 = 168 ..< min(180, 171).
    let ragged = try AttentionProblem(
      requests: [1000, 30000, 100].map { .init(queryLength: 1, kvLength: $0) }, queryHeads: 64,
      kvHeads: 8, headDim: 128)
    let v = try FA3SplitPartitioner().schedule(ragged, on: .h100)
    #expect(v.ctas.count == 136)
    let request1Head0 = 8  // outputs: request 0 heads 0…7, then request 1
    #expect(v.ctas[0] == [Segment(output: request1Head0, blocks: 0..<12)])
    #expect(v.ctas[14] == [Segment(output: request1Head0, blocks: 168..<171)])
    #expect(v.ctas[15 * 8] == [Segment(output: 0, blocks: 0..<6)])
    #expect(throws: AttentionError.self) {
      try FA3SplitPartitioner(numSplits: 0).schedule(ragged, on: .h100)
    }
  }
}
