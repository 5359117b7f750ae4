import Foundation
import LeanAttention
import LeanAttentionGolden
import PropertyBased
import TestSupport
import Testing

@Suite("The schedule's derived view")
struct ScheduleTests {
  @Test("Pieces, groups and maxSplits follow from the segments; reduction from the partitioner")
  func derivedView() async {
    await propertyCheck(count: 60, input: randomProblems) { c in
      let partitioners: [any Partitioner] = [
        PerHeadPartitioner(), FixedSplitPartitioner(numSplits: 3), LeanPartitioner(grid: 5),
        RoundRobinPartitioner(blockN: 16, grid: 4),
      ]
      for part in partitioners {
        let s = try part.schedule(c.problem, on: .h100)
        // Recomputed here from the segments: (first block, CTA) pairs per output, sorted.
        var expected = [[(Int, Int, Int)]](repeating: [], count: s.outputs.count)
        for (cta, segments) in s.ctas.enumerated() {
          for seg in segments {
            expected[seg.output].append((seg.blocks.lowerBound, seg.blocks.upperBound, cta))
          }
        }
        for (o, list) in expected.enumerated() {
          let sorted = list.sorted { $0.0 < $1.0 }
          #expect(s.pieces[o].map(\.cta) == sorted.map(\.2), "\(part.name) output \(o)")
          #expect(s.pieces[o].map(\.blocks) == sorted.map { $0.0..<$0.1 })
        }
        #expect(s.maxSplits == (expected.map(\.count).max() ?? 0))
        let withWork = expected.indices.filter { !expected[$0].isEmpty }
        #expect(s.groups.map(\.output) == withWork)
        for g in s.groups {
          let sorted = expected[g.output].sorted { $0.0 < $1.0 }
          #expect(g.host == sorted[0].2)
          #expect(g.peers.map(\.cta) == sorted.dropFirst().map(\.2))
          #expect(g.peers.map(\.split) == Array(1..<sorted.count))
        }
        let reduction: ReductionStrategy =
          part is FixedSplitPartitioner || part is RoundRobinPartitioner
          ? .combinePass : .hostMerge
        #expect(s.reduction == reduction)
        // A decoded copy carries the same view.
        let decoded = try JSONDecoder().decode(Schedule.self, from: JSONEncoder().encode(s))
        #expect(decoded == s)
      }
    }
  }

  @Test("A user's own partitioner runs on the CPU executor and equals naive attention")
  func userPartitionerRunsOnTheCPU() async {
    await propertyCheck(count: 60, input: randomProblems) { c in
      let x = try c.inputs(Double.self)
      let ref = NaiveAttention.compute(x)
      for grid in [1, 3, 8] {
        let part = RoundRobinPartitioner(blockN: 8, grid: grid)
        let s = try part.schedule(c.problem, on: .h100)
        try s.validate(for: c.problem)
        let run = try ScheduleExecutor.run(s, on: x, in: Double.self)
        // One piece per 8-key block, merged in KV order: the merge bound
        // 2s·u·(L + 5Δ + 15 + n)·max|v| with s ≤ 11 pieces, n ≤ 8, |L|, Δ ≲ 10, |v| ≲ 5.
        let bound = 2 * 11 * 1.1e-16 * 100 * 5
        #expect(maxAbsDifference(run.result.output.storage, ref.o) <= bound, "\(c) grid \(grid)")
        #expect(maxAbsDifference(run.result.logSumExp.storage, ref.lse) <= bound, "\(c)")
      }
    }
  }

  @Test(
    "Row blocks past the first 64 rows, starting inside a token's group of heads",
    arguments: [1, 3, 8])
  func laterRowBlocks(grid: Int) throws {
    // 50 tokens × 3 heads per KV head = 150 packed rows: tiles of rows 0..<64, 64..<128
    // (starting at token 21's second head) and 128..<150.
    let p = try AttentionProblem(
      requests: [.init(queryLength: 50, kvLength: 70)], queryHeads: 6, kvHeads: 2, headDim: 8,
      mask: .causal())
    let x = SeededInputs.contiguous(p, seed: 11, as: Double.self)
    let ref = NaiveAttention.compute(x)
    let s = try RoundRobinPartitioner(blockN: 16, grid: grid).schedule(p, on: .h100)
    #expect(s.outputs.map(\.rows) == [0..<64, 64..<128, 128..<150, 0..<64, 64..<128, 128..<150])
    let run = try ScheduleExecutor.run(s, on: x, in: Double.self)
    #expect(maxAbsDifference(run.result.output.storage, ref.o) <= 1e-13)
    #expect(maxAbsDifference(run.result.logSumExp.storage, ref.lse) <= 1e-13)
  }

  @Test("Hand-worked: 3 blocks dealt to 2 CTAs from the last one down")
  func handWorkedRoundRobin() throws {
    let p = try AttentionProblem(
      requests: [.init(queryLength: 1, kvLength: 20)], queryHeads: 1, kvHeads: 1, headDim: 4)
    let s = try RoundRobinPartitioner(blockN: 8, grid: 2).schedule(p, on: .h100)
    // Blocks 0, 1, 2 go to CTAs 1, 0, 1.
    #expect(
      s.ctas == [
        [Segment(output: 0, blocks: 1..<2)],
        [
          Segment(output: 0, blocks: 0..<1), Segment(output: 0, blocks: 2..<3),
        ],
      ])
    #expect(
      s.pieces == [
        [.init(cta: 1, blocks: 0..<1), .init(cta: 0, blocks: 1..<2), .init(cta: 1, blocks: 2..<3)]
      ])
    #expect(s.maxSplits == 3)
    #expect(s.groups.first?.host == 1 && s.groups.first?.peers.map(\.cta) == [0, 1])
  }
}
