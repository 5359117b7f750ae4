import ArgumentParser
import Foundation
import LeanAttention

extension PartitionerKind: ExpressibleByArgument {}

struct ScheduleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "schedule",
    abstract: "Cut a workload into CTAs with a partitioner; print metrics, JSON or an SVG timeline."
  )

  @Option(help: "per-head, fixed-split or lean.") var partitioner: PartitionerKind = .lean
  @Option(help: "Requests (with --context).") var batch = 1
  @Option(help: "Query heads.") var heads = 56
  @Option(name: .customLong("kv-heads"), help: "KV heads (default: --heads).") var kvHeads: Int?
  @Option(name: .customLong("query-length"), help: "Query tokens per request.") var queryLength = 1
  @Option(help: "KV tokens of every request.") var context: Int?
  @Option(help: "Comma-separated KV tokens per request (a ragged batch).") var contexts: String?
  @Option(name: .customLong("head-dim"), help: "Head dimension.") var headDim = 128
  @Option(help: "SM count of a custom device.") var sms: Int?
  @Option(help: "Device preset: a100, h100, h200, l4.") var device: String?
  @Option(name: .customLong("ctas-per-sm"), help: "Resident CTAs per SM.") var ctasPerSM = 1
  @Option(help: "Explicit grid (lean).") var grid: Int?
  @Option(help: "Splits per output (fixed-split; default: FlashAttention-2's heuristic).")
  var splits: Int?
  @Option(name: .customLong("block-n"), help: "KV tokens per lean tile (default by head dim).")
  var blockN: Int?
  @Flag(help: "Bottom-right causal mask.") var causal = false
  @Flag(help: "Print one JSON object.") var json = false
  @Option(help: "Write the simulated timeline as an SVG Gantt chart.") var svg: String?
  @Flag(
    name: .customLong("invariant-tree"),
    help: "Also print the canonical reduction tree: each CTA's subtree states, the host's merges.")
  var invariantTree = false

  func problem() throws -> AttentionProblem {
    let lengths: [Int]
    if let contexts {
      var parsed: [Int] = []
      for part in contexts.split(separator: ",") {
        guard let n = Int(part.trimmingCharacters(in: .whitespaces)) else {
          throw ValidationError(
            "--contexts: '\(part)' is not an integer; give comma-separated KV lengths")
        }
        parsed.append(n)
      }
      lengths = parsed
    } else {
      lengths = Array(repeating: context ?? 6144, count: batch)
    }
    return try AttentionProblem(
      requests: lengths.map { RequestShape(queryLength: queryLength, kvLength: $0) },
      queryHeads: heads,
      kvHeads: kvHeads ?? heads, headDim: headDim, mask: causal ? .causal() : .none)
  }

  func deviceModel() throws -> DeviceModel {
    if let sms { return try DeviceModel(name: "custom-\(sms)", smCount: sms, ctasPerSM: ctasPerSM) }
    return try DeviceModel.preset(device ?? "a100", ctasPerSM: ctasPerSM)
  }

  func run() throws {
    if json && invariantTree {
      FileHandle.standardError.write(Data("error: --invariant-tree prints text; drop --json\n".utf8))
      throw ExitCode(2)
    }
    let p = try problem()
    let dev = try deviceModel()
    let schedule = try partitioner.make(grid: grid, splits: splits, blockN: blockN).schedule(
      p, on: dev)
    try schedule.validate(for: p)
    let (timeline, metrics) = schedule.simulate(kvLengths: p.requests.map(\.kvLength))
    if let svg {
      let title =
        "\(metrics.partitioner) — \(p.batchSize) request(s), \(p.queryHeads) heads, D \(p.headDim), \(dev.name) (\(dev.smCount) SMs)"
      try TimelineSVG.render(
        schedule, timeline: timeline, metrics: metrics,
        title: title
      )
      .write(toFile: svg, atomically: true, encoding: .utf8)
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      print(String(decoding: try encoder.encode(metrics), as: UTF8.self))
    } else {
      print(TimelineSVG.summary(metrics))
      print(
        String(
          format: "makespan %.0f KV-token units, %d partial states, waves %.2f", metrics.makespan,
          metrics.partialStates, metrics.waves))
      if invariantTree { print(CanonicalTree.explanation(of: schedule)) }
    }
  }
}
