import Foundation
import LeanAttention
import LeanAttentionGolden
import SafeTensors

extension CUDACheck {
  /// The schedule of the user-defined partitioner check: `decode-gqa` under
  /// `RoundRobinPartitioner` (one-block pieces, 6 CTAs) on the H100 model.
  public static func userPartitionerSchedule() throws -> (GoldenCase, Schedule) {
    let c = try CaseCatalog.named("decode-gqa")
    return (c, try RoundRobinPartitioner(blockN: 64, grid: 6).schedule(c.problem, on: .h100))
  }

  /// Runs ``userPartitionerSchedule()`` (BF16 inputs of seed 7) and judges
  /// its output with `compare`'s rule: a partitioner the library does not
  /// know runs like any other, since the executor reads only the schedule.
  ///
  /// - Returns: `nil` when it passes, else the rule's failures.
  /// - Throws: ``CUDAError`` of the launch, and the golden rule's errors.
  public static func userPartitionerCheck(_ executor: CUDAExecutor) throws -> String? {
    let (c, schedule) = try userPartitionerSchedule()
    let golden = try GoldenFile(
      try SafeTensorsFile(bytes: Data(try GoldenWriter.make(c, seed: 7).serialized())))
    let result = try executor.run(schedule, on: try golden.inputs(as: BFloat16.self))
    let verdict = try Comparison.judge(
      golden: golden, output: result.outputBits.map { BFloat16(bits: $0).doubleValue },
      dtype: c.dtype.dtype, logSumExp: result.logSumExp.map(Double.init))
    return verdict.failures.isEmpty ? nil : verdict.failures.joined(separator: "; ")
  }
}
