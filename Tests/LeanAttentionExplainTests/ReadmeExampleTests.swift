import Foundation
import LeanAttention
import LeanAttentionGolden
import LeanAttentionSVG
import Testing

/// README.md's Swift example, run as written: the README must show its real output.
@Suite struct ReadmeExampleTests {
  @Test func readmeShowsTheExamplesOutput() throws {
    var printed: [String] = []
    func print(_ items: Any...) { printed.append(items.map { "\($0)" }.joined(separator: " ")) }

    // The example, verbatim from README.md.
    let problem = try AttentionProblem(
      requests: [RequestShape(queryLength: 1, kvLength: 6144)],
      queryHeads: 56, kvHeads: 56, headDim: 128)  // the paper's decode example
    let schedule = try LeanPartitioner().schedule(problem, on: .a100)
    print(TimelineSVG.summary(schedule.simulate(kvLengths: [6144]).metrics))
    let inputs = SeededInputs.contiguous(problem, seed: 2024, as: Float.self)
    let lean = try ScheduleExecutor.run(
      schedule, on: inputs, in: Double.self, arithmetic: .fixedOrder)
    let exact = FixedOrderAttention.compute(inputs, in: Double.self)
    let error =
      zip(lean.result.output.storage, exact.output.storage).map { abs($0 - $1) }.max() ?? 0
    print("max |O_lean − O_exact| =", String(format: "%.2e", error))

    // Independent of the README: the error is within the merge bound (a few ulps).
    #expect(error < 1e-14)
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    for line in printed {
      let shown = readme.contains(line)
      #expect(shown, "README.md does not show the example's output line: \(line)")
    }
  }
}
