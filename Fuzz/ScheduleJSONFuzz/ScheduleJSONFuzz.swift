import Foundation
import LeanAttention

/// The problem every fuzzed schedule is decoded for: a small ragged, causal GQA batch.
let problem = try? AttentionProblem(
  requests: [
    RequestShape(queryLength: 1, kvLength: 300), RequestShape(queryLength: 70, kvLength: 90),
  ],
  queryHeads: 4, kvHeads: 2, headDim: 64, mask: .causal())

/// libFuzzer entry: any bytes as a schedule's JSON. A schedule that decodes and
/// validates must simulate without trapping.
/// (Also exported under libFuzzer's name, for `-fsanitize=fuzzer` builds with its own main.)
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
  let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
  guard let problem, let s = try? Schedule.decode(bytes, for: problem) else { return 0 }
  _ = s.simulate(kvLengths: problem.requests.map(\.kvLength))
  return 0
}

/// With `LEANATTN_FUZZ_WRITE_SEEDS=FOLDER`, writes the three partitioners'
/// schedules of `problem` (on 7 and 132 SMs) as seed inputs and exits.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(
  _ argc: UnsafeMutablePointer<CInt>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
  guard let folder = ProcessInfo.processInfo.environment["LEANATTN_FUZZ_WRITE_SEEDS"], let problem
  else { return 0 }
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys]
  for kind in PartitionerKind.allCases {
    for sms in [7, 132] {
      guard let device = try? DeviceModel(smCount: sms),
        let s = try? kind.make().schedule(problem, on: device),
        let data = try? encoder.encode(s)
      else { continue }
      FileManager.default.createFile(
        atPath: "\(folder)/\(kind.rawValue)-\(sms).json", contents: data)
    }
  }
  exit(0)
}
