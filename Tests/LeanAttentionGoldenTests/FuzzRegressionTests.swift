import Foundation
import LeanAttention
import SafeTensors
import Testing

/// Every input a fuzzer once crashed on (Fuzz/crashes/), replayed through the same
/// entry the fuzz target uses: it must be refused with a typed error or handled.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz/crashes")

  static func inputs(_ prefix: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
      .filter { $0.hasPrefix(prefix) }.sorted()
  }

  /// The schedule target's problem (Fuzz/ScheduleJSONFuzz).
  static func problem() throws -> AttentionProblem {
    try AttentionProblem(
      requests: [
        RequestShape(queryLength: 1, kvLength: 300), RequestShape(queryLength: 70, kvLength: 90),
      ],
      queryHeads: 4, kvHeads: 2, headDim: 64, mask: .causal())
  }

  @Test func crashesAreCommitted() {
    #expect(!Self.inputs("ScheduleJSONFuzz-").isEmpty)
  }

  @Test(arguments: inputs("ScheduleJSONFuzz-"))
  func scheduleJSON(_ name: String) throws {
    let bytes = Array(try Data(contentsOf: Self.folder.appendingPathComponent(name)))
    let p = try Self.problem()
    guard let s = try? Schedule.decode(bytes, for: p) else { return }
    // Accepted: it must be a schedule whose simulation covers every CTA.
    let (timeline, _) = s.simulate(kvLengths: p.requests.map(\.kvLength))
    #expect(timeline.count == s.ctas.count)
  }

  // The first finding: a device with 0 CTAs per SM decoded without its range check.
  @Test func decodedDeviceModelsAreValidated() {
    for bad in [
      #"{"name":"x","smCount":132,"ctasPerSM":0}"#, #"{"name":"x","smCount":-1,"ctasPerSM":1}"#,
      #"{"name":"x","smCount":9223372036854775807,"ctasPerSM":1}"#,
    ] {
      #expect(throws: (any Error).self, "\(bad)") {
        try JSONDecoder().decode(DeviceModel.self, from: Data(bad.utf8))
      }
    }
    #expect(
      (try? JSONDecoder().decode(
        DeviceModel.self, from: Data(#"{"name":"x","smCount":7,"ctasPerSM":2}"#.utf8)))
        == (try? DeviceModel(name: "x", smCount: 7, ctasPerSM: 2)))
  }
}
