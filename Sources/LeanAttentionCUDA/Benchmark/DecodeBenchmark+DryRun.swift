import Foundation
import LeanAttention

extension DecodeBenchmark {
  /// One step of ``DecodeBenchmark/dryRun(_:_:progress:)`` and the seconds it took.
  public enum DryRunStep: Hashable, Sendable {
    /// The inputs were made: `kvTokens` KV tokens.
    case inputs(kvTokens: Int, seconds: Double)
    /// The CPU oracle was computed: `rows` rows.
    case oracle(rows: Int, seconds: Double)
    /// A partitioner's schedule was made and laid out for upload: CTAs,
    /// segments and the largest number of pieces of one output.
    case schedule(PartitionerKind, grid: Int, segments: Int, splits: Int, seconds: Double)

    /// The step as `bench cuda --dry-run` prints it
    /// (`lean: grid 528, 1056 segments, splits 4: 0.01 s`).
    public var textLine: String {
      let (what, seconds): (String, Double) =
        switch self {
        case .inputs(let tokens, let s): ("inputs (\(tokens) KV tokens)", s)
        case .oracle(let rows, let s): ("CPU oracle (\(rows) rows)", s)
        case .schedule(let kind, let grid, let segments, let splits, let s):
          ("\(kind.rawValue): grid \(grid), \(segments) segments, splits \(splits)", s)
        }
      return "\(what): \(String(format: "%.2f", seconds)) s"
    }
  }

  /// Everything ``measure(_:_:on:progress:)`` does before the GPU, timed, with
  /// no GPU: the F16 inputs, the CPU oracle, and each partitioner's schedule
  /// for a 132-SM device model laid out for upload (``ScheduleUpload``).
  ///
  /// The lean grid is the configuration's number of CTAs, or the kernel-slot
  /// default for ``LeanGrid/kernelSlots`` and ``LeanGrid/resident`` (no
  /// device to ask).
  ///
  /// - Parameters:
  ///   - p: The decode problem.
  ///   - configuration: The partitioners, paging and lean grid.
  ///   - progress: Called with each step as it completes.
  /// - Throws: ``DecodeBenchmarkError`` when `p` does not fit the kernels
  ///   (``Configuration/check(_:)``), `AttentionError` for a schedule the
  ///   partitioner refuses, ``CUDAError`` for a schedule the upload refuses.
  /// - Complexity: the inputs' size, the oracle's O(64 · visible keys · D)
  ///   and one schedule per partitioner.
  public static func dryRun(
    _ p: AttentionProblem, _ configuration: Configuration,
    progress: (DryRunStep) -> Void = { _ in }
  ) throws {
    try configuration.check(p)
    // Each step's seconds run from the end of the previous report, so the
    // caller's printing is not counted.
    var clock = Date()
    func report(_ step: (Double) -> DryRunStep) {
      progress(step(Date().timeIntervalSince(clock)))
      clock = Date()
    }
    let inputs = try uniformInputs(
      p, pageSize: configuration.pageSize, seed: 1, as: Float16.self)
    report { .inputs(kvTokens: p.totalKVTokens, seconds: $0) }
    let reference = sampledReference(inputs)
    report { .oracle(rows: reference.count, seconds: $0) }
    let model = try DeviceModel(name: "h100", smCount: 132)
    let leanGrid: Int? =
      if case .ctas(let n) = configuration.leanGrid { n } else { nil }
    for kind in configuration.partitioners {
      let schedule = try partitioner(kind, for: p, leanGrid: leanGrid).schedule(p, on: model)
      let upload = try ScheduleUpload(schedule, problem: p)
      report {
        .schedule(
          kind, grid: upload.grid, segments: upload.segments.count / 4,
          splits: upload.maxSplits, seconds: $0)
      }
    }
  }
}
