import Foundation
import LeanAttention
import LeanAttentionGolden
import TestSupport
import Testing

// `CUDAExecutor.Result` has no public initializer: only a launch makes one.
@testable import LeanAttentionCUDA

/// How `cuda-check` judges and tabulates runs, with hand-made launches and
/// records: pure logic, no GPU.
@Suite("cuda-check verdicts and tables (no GPU needed)")
struct CUDACheckReportTests {
  static let runs = [
    CUDACheckRun(
      name: "decode-mha", dtype: "F16", headDim: 128, partitioner: "lean", sms: 132, grid: 264,
      splits: 3, maxError: 1.5e-4, threshold: 1e-3, partialError: 2e-5, bitwise: true,
      failures: []),
    CUDACheckRun(
      name: "random-4", dtype: "F16", headDim: 64, partitioner: "lean", sms: 7, grid: 14,
      splits: 9, maxError: 3e-3, threshold: 2e-3, partialError: nil, bitwise: false,
      failures: ["max |ΔO| too large", "two launches differ"]),
    CUDACheckRun(
      name: "decode-gqa", dtype: "BF16", headDim: 128, partitioner: "per-head", sms: 1, grid: 8,
      splits: 1, maxError: 0, threshold: 0, partialError: nil, bitwise: true, failures: []),
  ]

  static let invariantRuns = [
    CUDAInvariantRun(
      name: "decode-mqa", dtype: "F16", headDim: 128, schedules: 30, treePatterns: 1,
      normalPatterns: 7, maxError: 2.5e-4, threshold: 1e-3, maxLogSumExpError: 1.25e-6,
      logSumExpThreshold: 1e-4, nodeError: 4e-7, failures: []),
    CUDAInvariantRun(
      name: "random-0", dtype: "BF16", headDim: 64, schedules: 28, treePatterns: 2,
      normalPatterns: 3, maxError: 0, threshold: 0, maxLogSumExpError: 0,
      logSumExpThreshold: 0, nodeError: nil, failures: ["lean on sm7x1 differs"]),
  ]

  @Test func runsTableGroupsByDtypeAndPartitioner() {
    let expected = """
      | dtype | partitioner | runs | head dims | SM counts | max splits | max \\|ΔO\\| | max \\|ΔO\\| / threshold | max partial \\|Δ\\| | bitwise repeat | failed |
      |---|---|---|---|---|---|---|---|---|---|---|
      | BF16 | per-head | 1 | 128 | 1 | 1 | 0.00e+00 | 0.00 | – | yes | 0 |
      | F16 | lean | 2 | 64, 128 | 7, 132 | 9 | 3.00e-03 | 1.50 | 2.00e-05 | NO | 1 |
      """
    #expect(CUDACheckReport.markdownTable(runs: Self.runs) == expected)
    #expect(
      CUDACheckReport.markdownTable(runs: []).split(separator: "\n").count == 2,
      "no runs: the header alone")
  }

  @Test func invariantTableHasOneRowPerCase() {
    let expected = """
      | case | dtype | D | schedules | bit patterns (invariant) | bit patterns (normal) | max \\|ΔO\\| vs CPU tree | / threshold | max \\|ΔLSE\\| | max node \\|Δo\\| | result |
      |---|---|---|---|---|---|---|---|---|---|---|
      | decode-mqa | F16 | 128 | 30 | 1 | 7 | 2.50e-04 | 0.25 | 1.25e-06 | 4.00e-07 | pass |
      | random-0 | BF16 | 64 | 28 | 2 | 3 | 0.00e+00 | 0.00 | 0.00e+00 | – | FAIL |
      """
    #expect(CUDACheckReport.markdownTable(invariantRuns: Self.invariantRuns) == expected)
  }

  @Test func reportJoinsTheTablesAndListsFailures() {
    var report = CUDACheckReport(runs: Self.runs)
    #expect(report.markdown == CUDACheckReport.markdownTable(runs: Self.runs))
    #expect(report.failures == ["1 runs failed"])
    #expect(report.failedRuns.map(\.name) == ["random-4"])
    report.invariantRuns = Self.invariantRuns
    report.missingPeerFailure = "reported after 12 s"
    report.userPartitionerFailure = "max |ΔO| too large"
    #expect(
      report.markdown
        == CUDACheckReport.markdownTable(runs: Self.runs)
        + "\n\nInvariant mode (canonical tree):\n\n"
        + CUDACheckReport.markdownTable(invariantRuns: Self.invariantRuns))
    #expect(
      report.failures == [
        "1 runs failed", "the missing-peer check failed", "the user-defined partitioner failed",
        "invariant mode, random-0 BF16 D64",
      ])
    #expect(!report.passed)
    let clean = CUDACheckReport(
      runs: [Self.runs[0], Self.runs[2]], invariantRuns: [Self.invariantRuns[0]])
    #expect(clean.passed && clean.failures.isEmpty)
  }

  /// A launch that returns the golden output rounded to F16 passes; one
  /// element moved past the threshold fails; a repeat that differs in one
  /// bit fails with "two launches differ". The errors are recomputed here.
  @Test func verdictFailsOnErrorAboveThresholdOrNonRepeatableBits() throws {
    let golden = try GoldenFile(
      contentsOf: fixturesFolder.appendingPathComponent("decode-mha.safetensors").path)
    let d = golden.description
    #expect(d.dtype == .f16)
    let plan = CUDACheckPlannedRun(
      goldenCase: d.goldenCase, seed: d.seed, fixture: golden, partitioner: .perHead,
      device: .h100)
    let schedule = try plan.schedule()
    try #require(!CUDACheckPlannedRun.wantsPartials(schedule))
    let exact = try GoldenData(golden)
    func launch(_ o: [Double]) -> CUDAExecutor.Result {
      CUDAExecutor.Result(
        outputBits: o.map { Float16($0).bitPattern }, logSumExp: exact.logSumExp.map { Float($0) },
        partialOutput: [], partialLogSumExp: [], splits: 1)
    }
    func maxError(_ o: [Double]) -> Double {
      var m = 0.0
      for (a, b) in zip(o, exact.output) { m = max(m, abs(Double(Float16(a)) - b)) }
      return m
    }

    let good = launch(exact.output)
    let pass = try CUDACheckRun(
      judging: good, repeat: good, of: plan, schedule: schedule, golden: golden)
    #expect(pass.passed, "\(pass.failures)")
    #expect(pass.bitwise)
    #expect(pass.maxError == maxError(exact.output))
    #expect(pass.maxError > 0 && pass.maxError < pass.threshold)
    #expect(pass.partialError == nil)
    #expect(pass.name == "decode-mha" && pass.dtype == "F16" && pass.headDim == 64)
    #expect(pass.partitioner == "per-head" && pass.sms == 132)
    #expect(pass.grid == schedule.ctas.count && pass.splits == 1)

    // One element twice the threshold off.
    var moved = exact.output
    moved[5] += 2 * pass.threshold
    let far = launch(moved)
    let fail = try CUDACheckRun(
      judging: far, repeat: far, of: plan, schedule: schedule, golden: golden)
    #expect(maxError(moved) > pass.threshold)
    #expect(fail.maxError == maxError(moved))
    #expect(!fail.passed)
    #expect(fail.bitwise && !fail.failures.contains("two launches differ"))

    // A repeat one ulp off in one LSE, or in a partial output.
    var lse = good
    lse.logSumExp[3] = lse.logSumExp[3].nextUp
    var partial = good
    partial.partialOutput = [1]
    for second in [lse, partial] {
      let flaky = try CUDACheckRun(
        judging: good, repeat: second, of: plan, schedule: schedule, golden: golden)
      #expect(!flaky.bitwise)
      #expect(flaky.failures == ["two launches differ"])
      #expect(flaky.maxError == pass.maxError)
    }
  }
}
