import ArgumentParser
import Foundation
import LeanAttention
import LeanAttentionGolden

struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Benchmarks (not tests): timings to compare with peers.",
    subcommands: [BenchExact.self, BenchCUDA.self])
}

enum ComputeType: String, ExpressibleByArgument, CaseIterable {
  case f32, f64
}

struct BenchExact: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "exact",
    abstract: "Time exact attention: median seconds, GFLOP/s and, for decode, K/V read bandwidth.")

  @Option(help: "Arithmetic: f32 or f64 (inputs are stored in the same type).") var dtype:
    ComputeType = .f32
  @Option(help: "Requests in the batch.") var batch = 1
  @Option(help: "Query heads.") var heads = 8
  @Option(name: .customLong("kv-heads"), help: "KV heads (default: --heads).") var kvHeads: Int?
  @Option(name: .customLong("query-length"), help: "Query tokens per request.") var queryLength = 1
  @Option(help: "KV tokens per request.") var context = 4096
  @Option(name: .customLong("head-dim"), help: "Head dimension.") var headDim = 128
  @Flag(help: "Bottom-right causal mask.") var causal = false
  @Option(help: "Timed runs (the median is reported).") var runs = 5
  @Flag(help: "Print one JSON object.") var json = false

  func validate() throws {
    guard (1...1_000_000).contains(runs) else {
      throw ValidationError("--runs \(runs): allowed 1...1000000")
    }
    guard (0...ScheduleCommand.maxBatch).contains(batch) else {
      throw ValidationError("--batch \(batch): allowed 0...\(ScheduleCommand.maxBatch)")
    }
  }

  func run() throws {
    let problem = try AttentionProblem(
      requests: Array(
        repeating: RequestShape(queryLength: queryLength, kvLength: context), count: batch),
      queryHeads: heads, kvHeads: kvHeads ?? heads, headDim: headDim,
      mask: causal ? .causal() : .none)
    // Inputs and outputs, plus the Float64 row blocks exact attention keeps per thread.
    let width = dtype == .f32 ? 4 : 8
    let scratch = CheckedSize.product([
      256, context, 8, ProcessInfo.processInfo.activeProcessorCount,
    ])
    try MemoryBudget.standard().check(
      "bench exact (\(problem.totalQueryTokens) query and \(problem.totalKVTokens) KV tokens)",
      bytes: problem.tensorBytes(elementBytes: width).flatMap { t in
        scratch.flatMap { CheckedSize.sum([t, $0]) }
      })
    let seconds: Double
    let bytes: Int
    switch dtype {
    case .f32:
      let inputs = SeededInputs.contiguous(problem, seed: 1, as: Float.self)
      seconds = Stopwatch.median(runs: runs) { _ = ExactAttention.compute(inputs, in: Float.self) }
      bytes = 4
    case .f64:
      let inputs = SeededInputs.contiguous(problem, seed: 1, as: Double.self)
      seconds = Stopwatch.median(runs: runs) { _ = ExactAttention.compute(inputs, in: Double.self) }
      bytes = 8
    }
    // Two products of 2 FLOPs per multiply-add, over the visible keys only.
    let gflops = problem.visibleFlops / seconds / 1e9
    // In Double: the product of the flags may exceed Int.
    let kvBytes =
      2 * Double(batch) * Double(context) * Double(kvHeads ?? heads) * Double(headDim)
      * Double(bytes)
    let gbps: Double? = queryLength == 1 ? kvBytes / seconds / 1e9 : nil
    if json {
      var fields = [
        "\"dtype\": \"\(dtype.rawValue)\"", "\"batch\": \(batch)", "\"heads\": \(heads)",
        "\"kvHeads\": \(kvHeads ?? heads)", "\"queryLength\": \(queryLength)",
        "\"context\": \(context)",
        "\"headDim\": \(headDim)", "\"causal\": \(causal)", "\"seconds\": \(seconds)",
        "\"gflops\": \(gflops)",
      ]
      if let gbps { fields.append("\"gbps\": \(gbps)") }
      print("{" + fields.joined(separator: ", ") + "}")
    } else {
      var line = String(
        format: "exact %@ B=%d H=%d Hkv=%d Q=%d L=%d D=%d%@: %.4f s, %.1f GFLOP/s",
        dtype.rawValue, batch, heads, kvHeads ?? heads, queryLength, context, headDim,
        causal ? " causal" : "", seconds, gflops)
      if let gbps { line += String(format: ", %.1f GB/s K/V read", gbps) }
      print(line)
    }
  }
}
