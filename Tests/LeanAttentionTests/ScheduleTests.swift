import Foundation
import LeanAttention
import LeanAttentionGolden
import PropertyBased
import SafeTensors
import Testing

/// A partitioner the library does not know: every output cut into pieces of
/// one KV block, dealt to `grid` CTAs round-robin from the last CTA down, so a
/// CTA runs pieces of several outputs and split order is not CTA order.
struct OneBlockRoundRobinPartitioner: Partitioner {
  var name: String { "one-block-round-robin" }
  var blockN: Int?
  var grid: Int

  func schedule(_ problem: AttentionProblem, on device: DeviceModel) throws(AttentionError)
    -> Schedule
  {
    let space = try LeanTileSpace(problem: problem, blockN: blockN)
    var ctas = [[Segment]](repeating: [], count: grid)
    var next = 0
    for (i, o) in space.outputs.enumerated() {
      for k in o.visibleBlocks {
        ctas[grid - 1 - next % grid].append(Segment(output: i, blocks: k..<(k + 1)))
        next += 1
      }
    }
    return Schedule(
      partitioner: name, device: device, blockN: space.blockN, outputs: space.outputs, ctas: ctas,
      reduction: .combinePass)
  }
}

@Suite("The schedule's derived view")
struct ScheduleTests {
  @Test("Pieces, groups and maxSplits follow from the segments; reduction from the partitioner")
  func derivedView() async {
    await propertyCheck(count: 60, input: randomProblems) { c in
      let partitioners: [any Partitioner] = [
        PerHeadPartitioner(), FixedSplitPartitioner(numSplits: 3), LeanPartitioner(grid: 5),
        OneBlockRoundRobinPartitioner(blockN: 16, grid: 4),
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
          part is FixedSplitPartitioner || part is OneBlockRoundRobinPartitioner
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
        let part = OneBlockRoundRobinPartitioner(blockN: 8, grid: grid)
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

  @Test("Hand-worked: 3 blocks dealt to 2 CTAs from the last one down")
  func handWorkedRoundRobin() throws {
    let p = try AttentionProblem(
      requests: [.init(queryLength: 1, kvLength: 20)], queryHeads: 1, kvHeads: 1, headDim: 4)
    let s = try OneBlockRoundRobinPartitioner(blockN: 8, grid: 2).schedule(p, on: .h100)
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

  @Test("Draws are x0 mod n of Philox blocks (n, 0, 9, 0), n counting from 1")
  func drawsArePhilox() {
    var r = RandomDecodeCases(seed: 123)
    let gen = Philox4x32(seed: 123)
    for (n, bound) in [10, 7, 1, 3000].enumerated() {
      let x = gen.block((UInt32(n + 1), 0, 9, 0)).0
      #expect(r.next(below: bound) == Int(x % UInt32(bound)))
    }
  }
}

@Suite("Grading partial states (no GPU)")
struct PartialsComparisonTests {
  /// A small decode case with lean partials for a 7-SM device, and the CPU
  /// executor's Float32 partials of the same schedule playing the candidate.
  static func fixture(_ kind: PartitionerKind) throws -> (
    GoldenFile, Schedule, o: [Float], lse: [Float]
  ) {
    let problem = try AttentionProblem(
      requests: [1000, 30, 300].map { RequestShape(queryLength: 1, kvLength: $0) },
      queryHeads: 8, kvHeads: 2, headDim: 64, mask: .causal())
    let c = GoldenCase(
      name: "partials", summary: "", problem: problem, dtype: .f16, inCorpus: false)
    let device = try DeviceModel(name: "sm7", smCount: 7)
    let writer = try GoldenWriter.make(
      c, seed: 3, partials: PartialsRequest(partitioner: kind, device: device))
    let golden = try GoldenFile(try SafeTensorsFile(bytes: Data(writer.serialized())))
    let schedule = try kind.make().schedule(problem, on: device)
    let run = try ScheduleExecutor.run(
      schedule, on: try golden.inputs(as: Float.self), in: Float.self)
    let partials = run.splitMajorPartials()
    return (golden, schedule, partials.output.storage, partials.logSumExp.storage)
  }

  @Test(
    "The executor's own partials pass; a changed or missing judged row fails",
    arguments: [
      PartitionerKind.lean, .fixedSplit,
    ])
  func grading(kind: PartitionerKind) throws {
    let (golden, schedule, o, lse) = try Self.fixture(kind)
    let pass = try PartialsComparison.judge(
      golden: golden, schedule: schedule, output: o, logSumExp: lse, threshold: 1e-3)
    #expect(pass.passed, "\(pass.failures)")
    #expect(pass.maxAbsError > 0 && pass.maxAbsError < 1e-5)  // Float32 against Float64
    // Rows the GPU writes: every piece (combine pass) or the pieces of split outputs (host merge).
    let p = golden.problem
    let rows = p.totalQueryTokens * p.queryHeads
    let d = p.headDim
    let min = schedule.reduction == .combinePass ? 1 : 2
    let judged = zip(schedule.outputs, schedule.pieces).filter { $0.1.count >= min }
    let unjudged = zip(schedule.outputs, schedule.pieces).filter { $0.1.count == 1 }
    let tile = try #require(judged.first?.0)
    let row = tile.queryRow(tile.rows.lowerBound, in: p)
    var changed = o
    changed[row * d + 5] += 0.25
    let fail = try PartialsComparison.judge(
      golden: golden, schedule: schedule, output: changed, logSumExp: lse, threshold: 1e-3)
    #expect(!fail.passed && abs(fail.maxAbsError - 0.25) < 1e-3)
    var dropped = lse
    dropped[row] = -.infinity
    let missing = try PartialsComparison.judge(
      golden: golden, schedule: schedule, output: o, logSumExp: dropped, threshold: 1e-3)
    #expect(missing.missingRows == 1 && !missing.passed)
    if kind == .lean, let (single, _) = unjudged.first {
      // An output of one piece is written directly; its partial slot is not read.
      var ignored = o
      ignored[single.queryRow(single.rows.lowerBound, in: p) * d] = .nan
      let ok = try PartialsComparison.judge(
        golden: golden, schedule: schedule, output: ignored, logSumExp: lse, threshold: 1e-3)
      #expect(ok.passed)
    }
    #expect(rows > 0)
  }

  @Test("Partials of another schedule, or short candidate arrays, are incompatible")
  func incompatible() throws {
    let (golden, _, o, lse) = try Self.fixture(.lean)
    let other = try LeanPartitioner().schedule(golden.problem, on: .h100)
    #expect(throws: GoldenError.self) {
      try PartialsComparison.judge(
        golden: golden, schedule: other, output: o, logSumExp: lse, threshold: 1)
    }
    let same = try LeanPartitioner().schedule(
      golden.problem, on: try DeviceModel(name: "sm7", smCount: 7))
    #expect(throws: GoldenError.self) {
      try PartialsComparison.judge(
        golden: golden, schedule: same, output: Array(o.dropLast()), logSumExp: lse, threshold: 1)
    }
  }
}
