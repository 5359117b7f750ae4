import Foundation
import LeanAttention
import LeanAttentionGolden
import LeanAttentionSVG
import PropertyBased
import TestSupport
import Testing

/// FlashInfer's and FlashAttention-3's schedules as ordinary schedules: they
/// validate, simulate, draw and execute to exact attention.
@Suite("Peer partitioners: balanced split and FA3 split")
struct PeerPartitionerTests {
  /// Random workloads: ragged lengths (0 included), GQA ratios, head dims, SM counts,
  /// 1–3 CTAs per SM, masks (none, causal, sliding window).
  let workloads = zip(
    Gen.int(in: 1...4), Gen.int(in: 0...3), Gen.int(in: 0...700), Gen.int(in: 1...3),
    Gen.int(in: 0...3), Gen.element(of: [8, 64, 100, 160]), Gen.int(in: 1...300),
    Gen.int(in: 0...2), Gen.uint64(in: 0...UInt64.max)
  ).map {
    batch, maxQ, maxKV, hkv, gpow, d, sms, maskKind, seed -> (
      AttentionProblem, DeviceModel, UInt64
    ) in
    var r = PhiloxDraws(seed: seed, stream: 7)
    var reqs: [RequestShape] = []
    for _ in 0..<batch {
      reqs.append(
        RequestShape(queryLength: r.next(below: maxQ + 1), kvLength: r.next(below: maxKV + 1)))
    }
    let mask: AttentionMask =
      maskKind == 0
      ? .none : maskKind == 1 ? .causal() : .slidingWindow(left: r.next(below: 300), right: 0)
    let p = try! AttentionProblem(
      requests: reqs, queryHeads: hkv << gpow, kvHeads: hkv, headDim: d ?? 64, mask: mask)
    return (p, try! DeviceModel(smCount: sms, ctasPerSM: 1 + r.next(below: 3)), seed)
  }

  static let partitioners: [any Partitioner] = [
    BalancedSplitPartitioner(), BalancedSplitPartitioner(pageSize: 16),
    BalancedSplitPartitioner(pageSize: 1, blocksPerSM: 4),
    BalancedSplitPartitioner(fixedSplitSize: 2),
    FA3SplitPartitioner(), FA3SplitPartitioner(varlen: true), FA3SplitPartitioner(numSplits: 3),
    FA3SplitPartitioner(architecture: 80),
  ]

  @Test("Every schedule validates, counts every tile once, simulates and draws")
  func schedulesValidate() async {
    await propertyCheck(count: 150, input: workloads) { p, device, _ in
      for part in Self.partitioners {
        let s = try part.schedule(p, on: device)
        try s.validate(for: p)
        // One segment per CTA at most: both peers launch one CTA per (chunk or split).
        #expect(s.ctas.allSatisfy { $0.count <= 1 }, "\(part.name)")
        let space = try LeanTileSpace(problem: p, blockN: s.blockN)
        #expect(s.ctas.joined().reduce(0) { $0 + $1.blocks.count } == space.totalTiles)
        let (timeline, m) = s.simulate(kvLengths: p.requests.map(\.kvLength))
        #expect(timeline.count == s.ctas.count)
        if space.totalTiles > 0 {
          #expect(m.smUtilization > 0 && m.smUtilization <= 1 + 1e-12, "\(part.name)")
        }
        let svg = TimelineSVG.render(s, timeline: timeline, metrics: m, title: part.name)
        #expect(svg.hasPrefix("<svg") && svg.contains("</svg>"))
      }
    }
  }

  @Test("Balanced split: CTA count and chunk lengths are FlashInfer's plan")
  func balancedSplitStructure() async {
    await propertyCheck(count: 150, input: workloads) { p, device, _ in
      for part in [BalancedSplitPartitioner(), BalancedSplitPartitioner(pageSize: 16)] {
        let s = try part.schedule(p, on: device)
        let (plan, page, entries) = try part.plan(p, on: device)
        #expect(s.ctas.count == plan.chunks.reduce(0, +) * p.kvHeads)
        #expect(entries.count == plan.chunks.count)
        // Tiles divide the chunk, and no segment crosses a chunk boundary.
        #expect(plan.chunkPages * page % s.blockN == 0)
        let chunkBlocks = plan.chunkPages * page / s.blockN
        for seg in s.ctas.joined() {
          #expect(seg.blocks.lowerBound / chunkBlocks == (seg.blocks.upperBound - 1) / chunkBlocks)
        }
        // With CTAs to spare, the plan fits the grid (apart from empty requests' one CTA each).
        let grid = device.smCount * device.ctasPerSM
        if entries.count * p.kvHeads < grid {
          let empty = entries.filter { p.requests[$0.request].kvLength == 0 }.count
          #expect((plan.chunks.reduce(0, +) - empty) * p.kvHeads <= grid)
        }
      }
    }
  }

  @Test("FA3 split: S CTAs per output tile, pieces of ⌈visible / S⌉ blocks")
  func fa3SplitStructure() async {
    await propertyCheck(count: 150, input: workloads) { p, device, _ in
      for part in [FA3SplitPartitioner(), FA3SplitPartitioner(numSplits: 3)] {
        let s = try part.schedule(p, on: device)
        let (_, _, perRequest) = try part.splits(p, on: device)
        let expectedCTAs = s.outputs.reduce(0) { $0 + perRequest[$1.request] }
        #expect(s.ctas.count == expectedCTAs)
        let pieces = s.pieces
        for (o, list) in pieces.enumerated() {
          let vis = s.outputs[o].visibleBlocks
          let splits = perRequest[s.outputs[o].request]
          let per = (vis.count + splits - 1) / splits
          // get_n_block_min_max: split k starts at lo + k·per; all but the last are full.
          for (k, piece) in list.enumerated() {
            #expect(piece.blocks.lowerBound == vis.lowerBound + k * per)
            if k < list.count - 1 { #expect(piece.blocks.count == per) }
          }
        }
      }
    }
  }

  @Test("Every executed schedule equals naive attention within the merge bound")
  func executionMatchesNaive() async {
    await propertyCheck(count: 30, input: workloads) { p, device, seed in
      let x = SeededInputs.contiguous(p, seed: seed, as: Double.self)
      let naive = NaiveAttention.compute(x)
      for part in Self.partitioners {
        let s = try part.schedule(p, on: device)
        let run = try ScheduleExecutor.run(s, on: x, in: Double.self)
        // The executor's documented bound, 2s·u·(L + 5Δ + 15)·max|v| per merge plus
        // (n + 1)·u·max|v| per block, with s ≤ pieces + blocks + 1 merges per row,
        // |LSE| + spread ≲ 40, n ≤ the longest KV and |v| ≤ 5 (seeded normal inputs).
        let merges = Double(
          (s.groups.map { $0.peers.count + 1 }.max() ?? 1) + p.maxKVLength / s.blockN + 1)
        let bound = 2 * merges * 1.1e-16 * (40 + Double(p.maxKVLength)) * 5
        #expect(maxAbsDifference(run.result.output.storage, naive.o) <= bound, "\(part.name)")
        #expect(maxAbsDifference(run.result.logSumExp.storage, naive.lse) <= bound, "\(part.name)")
      }
    }
  }

  @Test("Balanced split on the paper example: FlashInfer's chunk for 1 and 4 CTAs per SM")
  func balancedSplitPaperExample() throws {
    let p = try AttentionProblem(
      requests: [.init(queryLength: 1, kvLength: 6144)], queryHeads: 56, kvHeads: 56, headDim: 128)
    // 1 CTA per SM: grid 108 > 56, pages (= 128-token tiles) 48, lower bound 1:
    // ⌈48/c⌉·56 ≤ 108 needs ⌈48/c⌉ = 1 → c = 48: one chunk each, no split (per-head).
    let one = try BalancedSplitPartitioner().schedule(p, on: .a100)
    #expect(one.ctas.count == 56)
    #expect(one.groups.allSatisfy { $0.peers.isEmpty })
    // 4 CTAs per SM: grid 432 → ⌈48/c⌉ ≤ 7 → c = 7 (⌈6.86⌉ = 7; c = 6 gives 8): chunks
    // 7,7,7,7,7,7,6 blocks; grid 392; launch order head-major: CTA 7 is head 1, chunk 0.
    let a100x4 = try DeviceModel(name: "a100", smCount: 108, ctasPerSM: 4)
    let four = try BalancedSplitPartitioner().schedule(p, on: a100x4)
    #expect(four.ctas.count == 392)
    #expect(four.ctas[0] == [Segment(output: 0, blocks: 0..<7)])
    #expect(four.ctas[6] == [Segment(output: 0, blocks: 42..<48)])
    #expect(four.ctas[7] == [Segment(output: 1, blocks: 0..<7)])
    // Pages of 16 tokens: 384 pages, lower bound 8; ⌈384/c⌉ ≤ 7 → c = 55 (⌈6.98⌉; 54 gives
    // ⌈7.11⌉ = 8) → 880-token chunks; tiles gcd(880, 128) = 16 tokens, chunks of 55 tiles.
    let paged = try BalancedSplitPartitioner(pageSize: 16).schedule(p, on: a100x4)
    #expect(paged.blockN == 16)
    #expect(paged.ctas.count == 392)
    #expect(paged.ctas[0] == [Segment(output: 0, blocks: 0..<55)])
    #expect(paged.ctas[6] == [Segment(output: 0, blocks: 330..<384)])
    // An empty request still gets one (empty) CTA per KV head.
    let withEmpty = try AttentionProblem(
      requests: [.init(queryLength: 1, kvLength: 0), .init(queryLength: 1, kvLength: 1000)],
      queryHeads: 2, kvHeads: 2, headDim: 128)
    let e = try BalancedSplitPartitioner().schedule(withEmpty, on: .h100)
    // grid 132; pages 0 and 8; ⌈8/c⌉·2 ≤ 132 from c = 1 → 8 chunks; 2·(1 + 8) = 18 CTAs.
    #expect(e.ctas.count == 18)
    #expect(e.ctas[0].isEmpty && e.ctas[9].isEmpty)
    #expect(throws: AttentionError.self) {
      try BalancedSplitPartitioner(pageSize: 0).schedule(withEmpty, on: .h100)
    }
    #expect(throws: AttentionError.self) {
      try BalancedSplitPartitioner(fixedSplitSize: 0).schedule(withEmpty, on: .h100)
    }
  }

  @Test("Both are named partitioner kinds")
  func kinds() {
    #expect(PartitionerKind(rawValue: "balanced-split")?.make().name == "balanced-split")
    #expect(PartitionerKind(rawValue: "fa3-split")?.make().name == "fa3-split")
    #expect(PartitionerKind.allCases.count == 5)
  }
}
