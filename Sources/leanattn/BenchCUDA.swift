import ArgumentParser
import Foundation
import LeanAttention
import LeanAttentionCUDA

/// `leanattn bench cuda`: decode on the GPU under each schedule, beside the
/// device's copy bandwidth. The options become a `DecodeBenchmark` workload
/// and configuration; the library measures and renders the lines printed here.
/// Exit status 3 without a GPU, 1 when an output disagrees with the CPU
/// oracle, 2 for bad input.
struct BenchCUDA: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cuda",
    abstract:
      "Time decode attention on the GPU per partitioner: median µs of ≥ 50 calls, GB/s, fraction of copy bandwidth; with --invariant, the canonical-tree mode beside it.",
    discussion: """
      Calls are timed with CUDA events after a warm-up, rotating among copies of K/V so that \
      L2 never serves a repeat; a fixed-split call includes its combine launch. Each \
      configuration's output is checked once before timing against a Float64 CPU oracle on 64 rows spread over the batch. \
      Exit status: 0 success, 1 an output disagreed with the oracle, 2 bad input, 3 no GPU.
      """)

  @Option(help: "lean, fixed-split, per-head, … or all.") var partitioner = "all"
  @Option(help: "Requests (with --context).") var batch = 1
  @Option(help: "Query heads.") var heads = 32
  @Option(name: .customLong("kv-heads"), help: "KV heads (default: --heads).") var kvHeads: Int?
  @Option(help: "KV tokens per request; with --ragged-ratio, the longest request's.") var context:
    Int?
  @Option(help: "Comma-separated KV lengths, one request each.") var contexts: String?
  @Option(name: .customLong("ragged-ratio"), help: "Mean over longest KV length, in (0, 1].")
  var raggedRatio: Double?
  @Option(help: "Requests of the ragged batch.") var requests = 8
  @Option(name: .customLong("head-dim"), help: "64, 128 or 256.") var headDim = 128
  @Option(help: "f16 or bf16.") var dtype = "f16"
  @Option(
    name: .customLong("page-size"), help: "Paged KV with this many tokens a page (1 to 65536).")
  var pageSize: Int?
  @Option(help: "Timed calls (at least 50).") var calls = 100
  @Option(
    help:
      "Lean grid: a number, or `resident` for every CTA slot the kernel has on the device (default: ONNX Runtime's formula over the kernel's designed CTAs per SM: 4, 3 and 2 for 1, 2 and 4-8 rows a pass)."
  ) var grid: String?
  @Option(
    name: .customLong("l2-bytes"),
    help: "L2 capacity in bytes that the K/V rotation defeats (0 to 2^40).")
  var l2Bytes = 50_000_000
  @Flag(
    help:
      "Also time each partitioner in the invariant (canonical-tree) mode, same rules, and check its output is the same bits under every partitioner."
  )
  var invariant = false
  @Flag(help: "Print one JSON object per partitioner.") var json = false
  @Flag(
    name: .customLong("dry-run"),
    help: "Build the inputs, the CPU oracle and the schedules, print their sizes and times; no GPU."
  )
  var dryRun = false

  func run() throws {
    let configuration: DecodeBenchmark.Configuration
    let problem: AttentionProblem
    do {
      configuration = try DecodeBenchmark.Configuration(
        partitioners: DecodeBenchmark.Configuration.partitioners(named: partitioner),
        dtype: DecodeBenchmark.ElementType(name: dtype),
        leanGrid: grid.map(DecodeBenchmark.LeanGrid.init(parsing:)) ?? .kernelSlots,
        pageSize: pageSize, calls: calls, l2Bytes: l2Bytes, invariant: invariant)
      let lengths: DecodeBenchmark.Contexts
      if let raggedRatio {
        lengths = .ragged(maxLength: context ?? 8192, ratio: raggedRatio, requests: requests)
      } else if let contexts {
        lengths = try DecodeBenchmark.Contexts(parsingList: contexts)
      } else {
        lengths = .uniform(length: context ?? 8192, batch: batch)
      }
      problem = try DecodeBenchmark.workload(
        lengths, queryHeads: heads, kvHeads: kvHeads ?? heads, headDim: headDim)
      try configuration.check(problem)
    } catch {
      throw CommandLineError.usage("\(error)")
    }
    if dryRun {
      try DecodeBenchmark.dryRun(problem, configuration) { print($0.textLine) }
      return
    }
    let executor: CUDAExecutor
    switch CUDACheckCommand.openGPU() {
    case .success(let pair): executor = pair.1
    case .failure(let e):
      throw e.isMissingGPU ? CommandLineError.noGPU("\(e)") : CommandLineError.input("\(e)")
    }
    var setup: DecodeBenchmark.Setup?
    let report = try DecodeBenchmark.measure(problem, configuration, on: executor) { event in
      switch event {
      case .setUp(let s):
        setup = s
        if !json { print(s.textLine) }
      case .measured(let m):
        guard json else {
          for line in m.textLines { print(line) }
          return
        }
        // The setup event always comes first.
        if let setup { print(m.jsonLine(setup: setup)) }
      }
    }
    if !report.passed {
      throw CommandLineError.candidateFailed("an output disagreed with the CPU oracle")
    }
  }
}
