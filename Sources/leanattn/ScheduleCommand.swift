import ArgumentParser
import FileIntegrity
import Foundation
import LeanAttention
import LeanAttentionSVG

extension PartitionerKind: ExpressibleByArgument {}

struct ScheduleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "schedule",
    abstract: "Cut a workload into CTAs with a partitioner; print metrics, JSON or an SVG timeline."
  )

  @Option(help: "per-head, fixed-split, lean, balanced-split (FlashInfer) or fa3-split.")
  var partitioner: PartitionerKind = .lean
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
  @Option(help: "Splits per output (fixed-split, fa3-split; default: the peer's heuristic).")
  var splits: Int?
  @Option(
    name: .customLong("page-size"), help: "KV tokens per page (balanced-split; default: blockN).")
  var pageSize: Int?
  @Option(
    name: .customLong("fixed-split-size"),
    help: "FlashInfer's fixed_split_size in pages (balanced-split).")
  var fixedSplitSize: Int?
  @Option(name: .customLong("block-n"), help: "KV tokens per lean tile (default by head dim).")
  var blockN: Int?
  @Option(
    name: .customLong("fixup-cost"),
    help: "Simulated cost of one partial state (default: blockN / 4).")
  var fixupCost: Double?
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

  /// The most requests a command builds (an array of that many is allocated up front).
  static let maxBatch = 1 << 20

  func validate() throws {
    if contexts != nil && context != nil {
      throw ValidationError("give --context or --contexts, not both")
    }
    if let grid, grid < 1 { throw ValidationError("--grid \(grid): allowed 1 or more") }
    if let splits, splits < 1 { throw ValidationError("--splits \(splits): allowed 1 or more") }
    if batch < 0 { throw ValidationError("--batch \(batch): allowed 0 or more") }
    // A batch is an array of requests: bounded before it is allocated.
    if contexts == nil && batch > Self.maxBatch {
      throw ValidationError("--batch \(batch): allowed 0...\(Self.maxBatch)")
    }
  }

  func run() throws {
    if json && invariantTree {
      throw CommandLineError.input("--invariant-tree prints text; drop --json")
    }
    if let svg { try OutputLocation.checkFile(svg) }
    let p = try problem()
    let dev = try deviceModel()
    let schedule = try partitioner.make(
      grid: grid, splits: splits, blockN: blockN, pageSize: pageSize,
      fixedSplitSize: fixedSplitSize
    ).schedule(p, on: dev)
    try schedule.validate(for: p)
    if let fixupCost, !(fixupCost.isFinite && fixupCost >= 0) {
      throw ValidationError("--fixup-cost: \(fixupCost) is not a finite cost ≥ 0")
    }
    let (timeline, metrics) = schedule.simulate(
      kvLengths: p.requests.map(\.kvLength), fixupCost: fixupCost)
    if let svg {
      let title =
        "\(metrics.partitioner) — \(p.batchSize) request(s), \(p.queryHeads) heads, D \(p.headDim), \(dev.name) (\(dev.smCount) SMs)"
      let text = TimelineSVG.render(schedule, timeline: timeline, metrics: metrics, title: title)
      try AtomicFile.write(Array(text.utf8), to: svg)
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
