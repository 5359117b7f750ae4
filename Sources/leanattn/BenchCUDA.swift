import ArgumentParser
import Foundation
import LeanAttention
import LeanAttentionCUDA

/// `leanattn bench cuda`: decode on the GPU under each schedule, beside the
/// device's copy bandwidth. Exit status 3 without a GPU, 1 when an output
/// disagrees with the CPU oracle, 2 for bad input.
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
  @Option(name: .customLong("page-size"), help: "Paged KV with this many tokens a page.")
  var pageSize: Int?
  @Option(help: "Timed calls (at least 50).") var calls = 100
  @Option(
    help:
      "Lean grid: a number, or `resident` for every CTA slot the kernel has on the device (default: ONNX Runtime's formula over the kernel's designed CTAs per SM: 4, 3 and 2 for 1, 2 and 4-8 rows a pass)."
  ) var grid: String?
  @Option(name: .customLong("l2-bytes"), help: "L2 capacity the K/V rotation defeats.")
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
    let kinds: [PartitionerKind]
    let problem: AttentionProblem
    do {
      kinds = try Self.kinds(partitioner)
      problem = try workload()
      if let grid, grid != "resident", (Int(grid) ?? 0) < 1 {
        throw ValidationError("--grid must be a positive number or resident, not \(grid)")
      }
      guard calls >= 50, calls <= 100_000 else {
        throw ValidationError("--calls must be 50 to 100000, not \(calls)")
      }
      guard dtype == "f16" || dtype == "bf16" else {
        throw ValidationError("--dtype must be f16 or bf16, not \(dtype)")
      }
      if let why = DecodeSupport.unsupportedReason(problem) { throw ValidationError(why) }
    } catch {
      FileHandle.standardError.write(Data("error: \(error)\n".utf8))
      throw ExitCode(2)
    }
    if dryRun {
      try self.dryRun(problem, kinds)
      return
    }
    let executor: CUDAExecutor
    switch CUDACheckCommand.openGPU() {
    case .success(let pair): executor = pair.1
    case .failure(let e):
      FileHandle.standardError.write(Data("\(e.isMissingGPU ? "no GPU" : "error"): \(e)\n".utf8))
      throw e.isMissingGPU ? ExitCode(3) : ExitCode.failure
    }
    let failed: Bool
    if dtype == "f16" {
      failed = try measure(problem, kinds, executor, Float16.self)
    } else {
      failed = try measure(problem, kinds, executor, BFloat16.self)
    }
    if failed { throw ExitCode.failure }
  }

  static func kinds(_ name: String) throws -> [PartitionerKind] {
    if name == "all" { return PartitionerKind.allCases }
    guard let k = PartitionerKind(rawValue: name) else {
      throw ValidationError(
        "unknown partitioner \(name); use all or one of \(PartitionerKind.allCases.map(\.rawValue).joined(separator: ", "))"
      )
    }
    return [k]
  }

  func workload() throws -> AttentionProblem {
    let lengths: [Int]
    if let raggedRatio {
      lengths = try DecodeBenchmark.raggedLengths(
        maxLength: context ?? 8192, ratio: raggedRatio, requests: requests)
    } else if let contexts {
      let parts = contexts.split(separator: ",").map {
        Int($0.trimmingCharacters(in: .whitespaces))
      }
      guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else {
        throw ValidationError("--contexts must be comma-separated non-negative integers")
      }
      lengths = parts.compactMap { $0 }
    } else {
      guard batch >= 1, batch <= 1 << 16 else {
        throw ValidationError("--batch must be 1 to 65536")
      }
      lengths = [Int](repeating: context ?? 8192, count: batch)
    }
    guard lengths.allSatisfy({ $0 <= 1 << 24 }) else {
      throw ValidationError("a context above 16777216 tokens")
    }
    return try AttentionProblem(
      requests: lengths.map { RequestShape(queryLength: 1, kvLength: $0) }, queryHeads: heads,
      kvHeads: kvHeads ?? heads, headDim: headDim, mask: .causal())
  }

  func dryRun(_ p: AttentionProblem, _ kinds: [PartitionerKind]) throws {
    var clock = Date()
    func lap(_ what: String) {
      print("\(what): \(String(format: "%.2f", Date().timeIntervalSince(clock))) s")
      clock = Date()
    }
    let inputs = try DecodeBenchmark.uniformInputs(p, pageSize: pageSize, seed: 1, as: Float16.self)
    lap("inputs (\(p.totalKVTokens) KV tokens)")
    let reference = DecodeBenchmark.sampledReference(inputs)
    lap("CPU oracle (\(reference.count) rows)")
    let model = try DeviceModel(name: "h100", smCount: 132)
    for kind in kinds {
      let schedule = try kind.make(
        grid: kind == .lean ? grid.flatMap { Int($0) } : nil,
        ctasPerSM: DecodeSupport.ctasPerSM(
          rowsPerPass: DecodeSupport.rowsPerPass(groupSize: p.groupSize))
      ).schedule(p, on: model)
      let upload = try ScheduleUpload(schedule, problem: p)
      lap(
        "\(kind.rawValue): grid \(upload.grid), \(upload.segments.count / 4) segments, splits \(upload.maxSplits)"
      )
    }
  }

  /// Checks and times every partitioner; returns whether a check failed.
  func measure<E: CUDAElement>(
    _ p: AttentionProblem, _ kinds: [PartitionerKind], _ executor: CUDAExecutor, _: E.Type
  ) throws -> Bool {
    let inputs = try DecodeBenchmark.uniformInputs(p, pageSize: pageSize, seed: 1, as: E.self)
    let reference = DecodeBenchmark.sampledReference(inputs)
    let copy = try DecodeBenchmark.copyBandwidth(executor)
    let bytes = DecodeBenchmark.bytesMoved(p, elementBytes: 2)
    let model = try DeviceModel(
      name: executor.device.name, smCount: executor.device.multiprocessors)
    let lengths = p.requests.map(\.kvLength)
    var failed = false
    if !json {
      print(
        "\(executor.device.name), \(executor.device.multiprocessors) SMs; copy \(String(format: "%.0f", copy / 1e9)) GB/s; \(p.batchSize) requests (mean \(lengths.reduce(0, +) / max(1, lengths.count)), max \(lengths.max() ?? 0) tokens), Hq \(p.queryHeads), Hkv \(p.kvHeads), D \(p.headDim), \(dtype)\(pageSize.map { ", pages of \($0)" } ?? ""); floor \(String(format: "%.1f", bytes / copy * 1e6)) µs"
      )
    }
    let leanGrid =
      try grid == "resident" ? executor.residentCTAs(p, E.self) : grid.flatMap { Int($0) }
    let slots = DecodeSupport.ctasPerSM(
      rowsPerPass: DecodeSupport.rowsPerPass(groupSize: p.groupSize))
    // The tree is fixed by the tiles: bits are compared among schedules of one blockN.
    var treeReferences: [Int: CUDAExecutor.Result] = [:]
    var leanMicroseconds: Double?
    for kind in kinds {
      let schedule = try kind.make(grid: kind == .lean ? leanGrid : nil, ctasPerSM: slots)
        .schedule(p, on: model)
      let launch = try DecodeLaunch(executor, schedule: schedule, inputs: inputs)
      try launch.enqueue()
      try launch.finish()
      let r = try launch.readBack()
      let (error, limit) = Self.error(r, reference, E.self)
      let passed = error <= limit
      failed = failed || !passed
      let t = try DecodeBenchmark.time(launch, calls: calls, l2Bytes: l2Bytes)
      let gbps = bytes / (t.medianMicroseconds * 1e-6) / 1e9
      let floor = bytes / copy * 1e6
      if kind == .lean { leanMicroseconds = t.medianMicroseconds }
      // The invariant mode of the same schedule: checked, compared in bits
      // with the first partitioner's, timed by the same rules.
      var tree: (timing: DecodeBenchmark.Timing, passed: Bool, bitwise: Bool, error: Double)?
      if invariant {
        let treeLaunch = try DecodeLaunch(
          executor, schedule: schedule, inputs: inputs, order: .canonicalTree)
        try treeLaunch.enqueue()
        try treeLaunch.finish()
        let tr = try treeLaunch.readBack()
        let (treeError, treeLimit) = Self.error(tr, reference, E.self)
        let bitwise = treeReferences[schedule.blockN].map { tr.sameOutputBits(as: $0) } ?? true
        if treeReferences[schedule.blockN] == nil { treeReferences[schedule.blockN] = tr }
        let treePassed = treeError <= treeLimit && bitwise
        failed = failed || !treePassed
        tree = (
          try DecodeBenchmark.time(treeLaunch, calls: calls, l2Bytes: l2Bytes), treePassed,
          bitwise, treeError
        )
      }
      if json {
        let fields: [String] = [
          "\"partitioner\": \"\(kind.rawValue)\"", "\"device\": \"\(executor.device.name)\"",
          "\"dtype\": \"\(dtype)\"", "\"batch\": \(p.batchSize)", "\"heads\": \(p.queryHeads)",
          "\"kv_heads\": \(p.kvHeads)", "\"head_dim\": \(p.headDim)",
          "\"contexts\": [\(lengths.map(String.init).joined(separator: ", "))]",
          "\"mean_context\": \(Double(lengths.reduce(0, +)) / Double(max(1, lengths.count)))",
          "\"max_context\": \(lengths.max() ?? 0)",
          "\"page_size\": \(pageSize.map(String.init) ?? "null")",
          "\"grid\": \(launch.grid)", "\"splits\": \(launch.splits)",
          "\"combine_grid\": \(launch.combineGrid)", "\"kernel\": \"\(launch.kernelName)\"",
          "\"us\": \(t.medianMicroseconds)", "\"min_us\": \(t.minMicroseconds)",
          "\"max_us\": \(t.maxMicroseconds)", "\"calls\": \(t.calls)",
          "\"kv_sets\": \(t.keyValueSets)", "\"bytes\": \(bytes)", "\"gbps\": \(gbps)",
          "\"copy_gbps\": \(copy / 1e9)", "\"fraction_of_copy\": \(gbps * 1e9 / copy)",
          "\"floor_us\": \(floor)", "\"max_abs_error\": \(error)", "\"error_limit\": \(limit)",
          "\"passed\": \(passed)",
        ]
        var treeFields: [String] = []
        if let tree {
          treeFields = [
            "\"invariant_us\": \(tree.timing.medianMicroseconds)",
            "\"invariant_min_us\": \(tree.timing.minMicroseconds)",
            "\"invariant_ratio\": \(tree.timing.medianMicroseconds / t.medianMicroseconds)",
            "\"invariant_vs_lean\": \(leanMicroseconds.map { "\(tree.timing.medianMicroseconds / $0)" } ?? "null")",
            "\"invariant_bitwise\": \(tree.bitwise)", "\"block_n\": \(schedule.blockN)",
            "\"invariant_max_abs_error\": \(tree.error)",
            "\"invariant_passed\": \(tree.passed)",
          ]
        }
        print("{" + (fields + treeFields).joined(separator: ", ") + "}")
      } else {
        print(
          String(
            format:
              "%@ %-12@ grid %4d splits %3d: %9.1f µs (min %.1f, max %.1f, %d calls, %d K/V sets), %7.0f GB/s = %4.2f of copy, %.2f× floor; max|ΔO| %.2e %@",
            passed ? "pass" : "FAIL", kind.rawValue, launch.grid, launch.splits,
            t.medianMicroseconds, t.minMicroseconds, t.maxMicroseconds, t.calls, t.keyValueSets,
            gbps, gbps * 1e9 / copy, t.medianMicroseconds / floor, error,
            passed ? "" : String(format: "> %.2e", limit)))
        if let tree {
          print(
            String(
              format:
                "%@ %-12@ invariant: %9.1f µs (min %.1f) = %.3f× this partitioner's normal mode%@; max|ΔO| %.2e; %@",
              tree.passed ? "pass" : "FAIL", kind.rawValue, tree.timing.medianMicroseconds,
              tree.timing.minMicroseconds, tree.timing.medianMicroseconds / t.medianMicroseconds,
              leanMicroseconds.map {
                String(format: ", %.3f× normal lean", tree.timing.medianMicroseconds / $0)
              } ?? "", tree.error,
              tree.bitwise
                ? "same bits as the first invariant output at blockN \(schedule.blockN)"
                : "NOT the same bits as the first invariant output at blockN \(schedule.blockN)"))
        }
      }
    }
    return failed
  }

  /// Max |ΔO| over the oracle's rows, and the allowance: two units of the
  /// output type's rounding of each value plus an absolute 1e-3 (F16) or
  /// 8e-3 (BF16) for the different summation orders. The LSE must agree to
  /// 1e-4 relative (a NaN fails both).
  static func error<E: CUDAElement>(
    _ r: CUDAExecutor.Result, _ reference: [DecodeBenchmark.ReferenceRow], _: E.Type
  ) -> (Double, Double) {
    let unit = E.self == Float16.self ? 0x1p-11 : 0x1p-8
    let absolute = E.self == Float16.self ? 1e-3 : 8e-3
    var worst = 0.0
    var worstExcess = -Double.infinity
    var limitAtWorst = absolute
    for ref in reference {
      let d = ref.output.count
      for e in 0..<d {
        let got = E(bits: r.outputBits[ref.row * d + e]).doubleValue
        let diff = abs(got - ref.output[e])
        let allowed = 2 * unit * abs(ref.output[e]) + absolute
        if !(diff <= worst) { worst = diff }
        if !(diff - allowed <= worstExcess) {
          worstExcess = diff - allowed
          limitAtWorst = allowed
        }
      }
      let lse = Double(r.logSumExp[ref.row])
      let lseOK =
        lse == ref.logSumExp || abs(lse - ref.logSumExp) <= 1e-4 * max(1, abs(ref.logSumExp))
      if !lseOK { return (.nan, absolute) }
    }
    return worstExcess > 0 ? (worst, limitAtWorst) : (worst, max(worst, limitAtWorst))
  }
}
