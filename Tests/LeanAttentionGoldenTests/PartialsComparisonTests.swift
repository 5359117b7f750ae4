import Foundation
import LeanAttention
import LeanAttentionGolden
import SafeTensors
import Testing

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
