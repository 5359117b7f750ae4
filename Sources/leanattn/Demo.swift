import ArgumentParser
import FileIntegrity
import Foundation
import LeanAttention
import LeanAttentionGolden
import LeanAttentionSVG

struct Demo: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run the paper's example workload end to end and show what the library does.")

  @Option(parsing: .unconditional, help: "Seed of the Philox input generator.", transform: SeedArgument.parse)
  var seed: UInt64 = 2024
  @Option(help: "Folder for the demo's SVG timelines.") var out: String = "demo-out"

  /// Decode, 1 request, 56 query heads, 6144 KV tokens, head dim 128: the
  /// example of the LeanAttention paper.
  static func defaultProblem() throws -> AttentionProblem {
    try AttentionProblem(
      requests: [RequestShape(queryLength: 1, kvLength: 6144)], queryHeads: 56, kvHeads: 56,
      headDim: 128, mask: .causal())
  }

  func run() throws {
    // The output folder first: a bad --out fails before ten seconds of work.
    try OutputLocation.checkFolder(out)
    do {
      try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    } catch {
      throw CommandLineError.io("\(out): cannot create the folder")
    }
    let problem = try Self.defaultProblem()
    print(
      "LeanAttention demo — decode, 1 request, 56 heads, 6144 KV tokens, head dim 128 (seed \(seed))"
    )
    // Inputs are Float32; the Float64 run reads the same values widened (untimed).
    let inputs = SeededInputs.contiguous(problem, seed: seed, as: Float.self)
    let wide = inputs.converted(to: Double.self)
    let (exact64, t64) = Stopwatch.measure { ExactAttention.compute(wide, in: Double.self) }
    let (exact32, t32) = Stopwatch.measure { ExactAttention.compute(inputs, in: Float.self) }
    let err = ErrorStatistics(
      candidate: exact32.output.storage.map(Double.init), reference: exact64.output.storage)
    let lseErr = ErrorStatistics(
      candidate: exact32.logSumExp.storage.map(Double.init),
      reference: exact64.logSumExp.storage)
    print("")
    print("1. Exact attention on the CPU (OpenBLAS)")
    print(String(format: "   Float64: %8.2f ms", t64 * 1e3))
    print(String(format: "   Float32: %8.2f ms", t32 * 1e3))
    print(
      String(
        format: "   Float32 vs Float64: max |ΔO| = %.3e (mean %.3e), max |ΔLSE| = %.3e",
        err.maxAbs, err.meanAbs, lseErr.maxAbs))

    print("")
    print("2. Three decompositions of the same work (simulated timelines, KV-token units)")
    let partitioners: [any Partitioner] = [
      PerHeadPartitioner(), FixedSplitPartitioner(), LeanPartitioner(),
    ]
    print("   device  partitioner   grid  tiles/CTA  splits/output  utilization  makespan")
    var schedules: [Schedule] = []
    for device in [DeviceModel.a100, .h100] {
      for partitioner in partitioners {
        let schedule = try partitioner.schedule(problem, on: device)
        let lengths = problem.requests.map(\.kvLength)
        let (timeline, m) = schedule.simulate(kvLengths: lengths)
        let file = "\(out)/\(m.partitioner)-\(device.name).svg"
        let svg = TimelineSVG.render(
          schedule, timeline: timeline, metrics: m,
          title: "\(m.partitioner), 56 heads × 6144 tokens, \(device.name)")
        try AtomicFile.write(Array(svg.utf8), to: file)
        let names =
          device.name.padding(toLength: 6, withPad: " ", startingAt: 0) + "  "
          + m.partitioner.padding(toLength: 12, withPad: " ", startingAt: 0)
        print(
          "   " + names
            + String(
              format: " %5d  %4d–%-4d  %13d  %10.1f%%  %8.0f",
              m.grid, m.minTilesPerCTA, m.maxTilesPerCTA,
              m.maxSplitsPerOutput, 100 * m.smUtilization, m.makespan))
        if device == .h100 { schedules.append(schedule) }
      }
    }
    print("   timelines: \(out)/*.svg")

    print("")
    print("3. Every schedule executed on the CPU against exact attention (Float64)")
    for schedule in schedules {
      let run = try ScheduleExecutor.run(schedule, on: wide, in: Double.self)
      let e = ErrorStatistics(
        candidate: run.result.output.storage, reference: exact64.output.storage)
      let verdict = e.maxAbs <= 1e-12 ? "agrees" : "DISAGREES"
      print(
        "   " + schedule.partitioner.padding(toLength: 12, withPad: " ", startingAt: 0)
          + String(format: " max |ΔO| = %.2e  ", e.maxAbs) + verdict)
      if e.maxAbs > 1e-12 {
        throw CommandLineError.input(
          "self-check failed: \(schedule.partitioner) disagrees with exact attention")
      }
    }

    print("")
    print("4. Golden file of the paper's case (F16 inputs) with the lean partials for an H100")
    let paper = try CaseCatalog.named("paper-56x6144")
    let path = "\(out)/\(paper.name).safetensors"
    let request = PartialsRequest(partitioner: .lean, device: .h100)
    let tWrite = try Stopwatch.time {
      try GoldenWriter.make(paper, seed: seed, partials: request).write(to: path)
    }
    let golden = try GoldenFile(contentsOf: path)
    print(String(format: "   wrote %@ in %.1f s; checksums verified", path, tWrite))
    // The CPU executor plays the candidate kernel: the lean schedule in Float32.
    let f32 = try golden.inputs(as: Float.self)
    let schedule = try LeanPartitioner().schedule(golden.problem, on: .h100)
    let run = try ScheduleExecutor.run(schedule, on: f32, in: Float.self)
    let verdict = try Comparison.judge(
      golden: golden, output: run.result.output.storage.map(Double.init), dtype: .f32,
      logSumExp: run.result.logSumExp.storage.map(Double.init))
    print("   CPU executor (lean, Float32) judged by `compare`'s rule:")
    for line in ComparisonReport(verdict, problem: golden.problem).text.split(separator: "\n") {
      print("     " + line)
    }
    let partials = run.splitMajorPartials()
    let goldenPartials = try golden.file.doubles(GoldenFormat.Tensor.partialOutput)
    let pe = ErrorStatistics(
      candidate: partials.output.storage.map(Double.init), reference: goldenPartials)
    print(
      String(format: "   lean partial O (Float32) vs golden partials: max |Δ| = %.2e", pe.maxAbs))
    if !verdict.passed {
      throw CommandLineError.input("self-check failed: the CPU executor failed `compare`'s rule")
    }
  }
}
