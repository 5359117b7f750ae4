import Foundation
import LeanAttention
import LeanAttentionGolden

extension CUDACheck {
  /// Runs the whole check on `executor`'s GPU.
  ///
  /// Fixtures are opened one at a time, when their turn comes. A fixture the
  /// kernels do not cover, a random schedule that needs more resident CTAs
  /// than this GPU holds, and such a schedule of the invariant mode are
  /// skipped and listed in ``CUDACheckReport/skipped``, not failed. A failing
  /// run is recorded, not thrown: only inputs and the GPU itself throw.
  ///
  /// - Parameters:
  ///   - executor: The GPU to run on.
  ///   - progress: Called on this thread with each finished run and check, in
  ///     order, before the next starts.
  /// - Throws: `GoldenError` for a fixture that cannot be read or holds
  ///   non-finite values, ``CUDACheckError`` for a negative count,
  ///   ``CUDAError`` for a failing driver call, and the golden rule's errors
  ///   when a golden file does not fit its case.
  /// - Complexity: two launches per run, twelve per invariant-mode case and
  ///   partitioner; a golden file written in memory for each random case and
  ///   for each schedule whose partial states the fixture does not carry.
  public func run(
    on executor: CUDAExecutor, progress: (CUDACheckEvent) -> Void = { _ in }
  ) throws -> CUDACheckReport {
    let randomRuns = try randomRuns()
    let invariantRandom = try invariantRandomCases()
    var report = CUDACheckReport()
    var invariantInputs: [(GoldenCase, UInt64, GoldenFile?)] = []

    // 1. The golden corpus.
    for path in fixtures {
      let golden = try GoldenFile(contentsOf: path)
      try golden.checkFinite()
      let d = golden.description
      if let why = Self.unsupportedReason(golden) {
        report.skipped.append("\(d.name) (\(why))")
        continue
      }
      invariantInputs.append((d.goldenCase, d.seed, golden))
      for plan in try Self.fixtureRuns(of: golden) {
        let run = try Self.run(plan, on: executor)
        report.runs.append(run)
        progress(.run(run))
      }
    }

    // 2. Random property cases.
    for plan in randomRuns {
      do {
        let run = try Self.run(plan, on: executor)
        report.runs.append(run)
        progress(.run(run))
      } catch CUDAError.unsupported(let why) where why.contains("resident") {
        // A schedule made for more SMs than this GPU has can hold more
        // waiting hosts than fit at once: refused by design, not a failure.
        report.skipped.append("\(plan.goldenCase.name) on \(plan.device.name) (\(why))")
      }
    }

    // 3. A deliberately broken schedule: a host whose peer never arrives must
    // end in a reported error within a bounded time, not a hung GPU.
    report.missingPeerFailure = try Self.missingPeerCheck(executor)
    progress(.missingPeerCheck(failure: report.missingPeerFailure))

    // 4. A partitioner the library does not know runs like any other: the
    // executor reads only the schedule.
    report.userPartitionerFailure = try Self.userPartitionerCheck(executor)
    progress(.userPartitionerCheck(failure: report.userPartitionerFailure))

    // 5. The invariant mode: the same bits under every partitioner and device
    // model, and the CPU canonical tree's result within the golden rule.
    invariantInputs += invariantRandom.map { ($0.goldenCase, $0.seed, nil) }
    for (c, caseSeed, fixture) in invariantInputs {
      let r = try Self.checkInvariant(
        c, seed: caseSeed, fixture: fixture, on: executor, skipped: &report.skipped)
      report.invariantRuns.append(r)
      progress(.invariantRun(r))
    }
    return report
  }

  /// Runs `plan`'s schedule twice on the same inputs and judges it
  /// (``CUDACheckRun/init(judging:repeat:of:schedule:golden:)``).
  ///
  /// - Throws: ``CUDAError/unsupported(_:)`` for F32 cases and for schedules
  ///   the kernels refuse (e.g. more resident CTAs than the GPU holds), any
  ///   other ``CUDAError`` of the launches, and the golden rule's errors.
  public static func run(_ plan: CUDACheckPlannedRun, on executor: CUDAExecutor) throws
    -> CUDACheckRun
  {
    let schedule = try plan.schedule()
    let golden = try plan.golden(for: schedule)
    func twice<E: CUDAElement>(_: E.Type) throws -> (CUDAExecutor.Result, CUDAExecutor.Result) {
      let x = try golden.inputs(as: E.self)
      let first = try executor.run(schedule, on: x)
      return (first, try executor.run(schedule, on: x))
    }
    let (first, second) =
      switch plan.goldenCase.dtype {
      case .f16: try twice(Float16.self)
      case .bf16: try twice(BFloat16.self)
      case .f32: throw CUDAError.unsupported("F32 inputs")
      }
    return try CUDACheckRun(
      judging: first, repeat: second, of: plan, schedule: schedule, golden: golden)
  }
}
