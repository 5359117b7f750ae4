import Foundation
import LeanAttention
import LeanAttentionGolden
import SafeTensors

/// A run `cuda-check` will make: a case and its seed, the golden fixture it
/// came from (if any), a partitioner and a device model.
///
/// ``CUDACheck`` lists these before it launches anything (``CUDACheck/fixtureRuns(of:)``,
/// ``CUDACheck/randomRuns()``), so the case list can be read and counted
/// without a GPU.
public struct CUDACheckPlannedRun: Sendable {
  /// The case.
  public var goldenCase: GoldenCase
  /// The seed of its inputs.
  public var seed: UInt64
  /// The golden fixture of the case, or `nil` for a random case (its golden
  /// file is made in memory).
  public var fixture: GoldenFile?
  /// The partitioner that makes the schedule.
  public var partitioner: PartitionerKind
  /// The device model the schedule is made for.
  public var device: DeviceModel

  /// A planned run with every field given.
  public init(
    goldenCase: GoldenCase, seed: UInt64, fixture: GoldenFile?, partitioner: PartitionerKind,
    device: DeviceModel
  ) {
    self.goldenCase = goldenCase
    self.seed = seed
    self.fixture = fixture
    self.partitioner = partitioner
    self.device = device
  }

  /// The schedule of this run.
  ///
  /// - Throws: the partitioner's `AttentionError`.
  public func schedule() throws(AttentionError) -> Schedule {
    try partitioner.make().schedule(goldenCase.problem, on: device)
  }

  /// Whether the GPU writes partial states for `schedule`: when a combine
  /// pass merges them, or when some output is cut into pieces for its host
  /// to merge.
  public static func wantsPartials(_ schedule: Schedule) -> Bool {
    schedule.reduction == .combinePass || schedule.maxSplits > 1
  }

  /// The golden file to judge `schedule`'s output with: the fixture when it
  /// carries this schedule's partial states or none are needed, else one made
  /// in memory by the same writer (with this schedule's partials when the GPU
  /// writes them).
  ///
  /// - Complexity: O(1) for a fixture that fits; otherwise the writer's cost
  ///   (an exact attention of the case in Float64).
  public func golden(for schedule: Schedule) throws -> GoldenFile {
    let wantsPartials = Self.wantsPartials(schedule)
    if let fixture, !wantsPartials || fixture.partials == PartialsDescription(schedule) {
      return fixture
    }
    let writer = try GoldenWriter.make(
      goldenCase, seed: seed,
      partials: wantsPartials ? PartialsRequest(partitioner: partitioner, device: device) : nil)
    return try GoldenFile(try SafeTensorsFile(bytes: Data(writer.serialized())))
  }
}
