import ArgumentParser
import FileIntegrity
import Foundation
import LeanAttention
import LeanAttentionCUDA
import LeanAttentionGolden
import SafeTensors

struct CUDACheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cuda-check",
    abstract:
      "Run golden fixtures and random cases on the GPU with every partitioner; judge each with `compare`'s rule.",
    discussion: """
      Last, the invariant (canonical-tree) mode: every covered fixture and --invariant-cases random \
      cases under every partitioner on six device models must give one bit pattern, agree with the \
      CPU canonical tree within the golden rule and emit the CPU's node states. \
      Exit status: 0 all pass, 1 a case failed (each failure listed), 3 no usable GPU on this machine.
      """)

  @Option(help: "Folder of the golden corpus.") var fixtures = "Fixtures"
  @Option(name: .customLong("random-cases"), help: "Random property cases.") var randomCases = 210
  @Option(parsing: .unconditional, help: "Seed of the random cases.", transform: SeedArgument.parse)
  var seed: UInt64 = 7
  @Option(
    name: .customLong("invariant-cases"),
    help:
      "Random cases of the invariant-mode check (besides every covered fixture), each under every partitioner on 6 device models."
  ) var invariantCases = 12
  @Option(help: "Write the table as Markdown to this file.") var report: String?
  @Flag(help: "Print every run, not only failures and the summary.") var verbose = false

  struct Run {
    var name: String
    var dtype: String
    var headDim: Int
    var partitioner: String
    var sms: Int
    var grid: Int
    var splits: Int
    var maxError: Double
    var threshold: Double
    var partialError: Double?
    var bitwise: Bool
    var failures: [String]
  }

  func validate() throws {
    guard (0...100_000).contains(randomCases) else {
      throw ValidationError("--random-cases \(randomCases): allowed 0...100000")
    }
    guard (0...10_000).contains(invariantCases) else {
      throw ValidationError("--invariant-cases \(invariantCases): allowed 0...10000")
    }
  }

  func run() throws {
    // Arguments and paths first: a bad --fixtures is exit 2 on any machine.
    let entries = try Self.manifestEntries(fixtures)
    if let report { try OutputLocation.checkFile(report) }
    let device: CUDADevice
    let executor: CUDAExecutor
    switch Self.openGPU() {
    case .success(let pair):
      (device, executor) = pair
    case .failure(let e):
      throw e.isMissingGPU ? CommandLineError.noGPU("\(e)") : CommandLineError.input("\(e)")
    }
    print(
      "\(device.name), \(device.arch), \(device.multiprocessors) SMs, driver \(device.driverVersion)"
    )
    var runs: [Run] = []
    var skipped: [String] = []
    var invariantInputs: [(GoldenCase, UInt64, GoldenFile?)] = []

    // 1. The golden corpus.
    for entry in entries {
      guard let file = entry["file"]?.stringValue else { continue }
      let golden = try GoldenFile(contentsOf: "\(fixtures)/\(file)")
      try golden.checkFinite()
      let d = golden.description
      if let why = CUDAExecutor.unsupportedReason(d.problem)
        ?? (d.dtype == .f32 ? "F32 inputs" : nil)
      {
        skipped.append("\(d.name) (\(why))")
        continue
      }
      invariantInputs.append((d.goldenCase, d.seed, golden))
      for partitioner in PartitionerKind.allCases {
        for model in [DeviceModel.h100, try DeviceModel(name: "sm7", smCount: 7)] {
          runs.append(
            try check(d.goldenCase, seed: d.seed, fixture: golden, partitioner, model, executor))
          progress(runs.last)
        }
      }
    }

    // 2. Random property cases.
    var cases = RandomDecodeCases(seed: seed)
    let smCounts = [1, 7, 108, 132, 257]
    for i in 0..<randomCases {
      let c = try cases.next(index: i)
      let partitioner = PartitionerKind.allCases[i % PartitionerKind.allCases.count]
      let model = try DeviceModel(
        name: "sm\(smCounts[(i / 3) % smCounts.count])", smCount: smCounts[(i / 3) % smCounts.count]
      )
      do {
        runs.append(
          try check(c, seed: seed &+ UInt64(i), fixture: nil, partitioner, model, executor))
        progress(runs.last)
      } catch CUDAError.unsupported(let why) where why.contains("resident") {
        // A schedule made for more SMs than this GPU has can hold more
        // waiting hosts than fit at once: refused by design, not a failure.
        skipped.append("\(c.name) on \(model.name) (\(why))")
      }
    }

    // 3. A deliberately broken schedule: a host whose peer never arrives must
    // end in a reported error within a bounded time, not a hung GPU.
    let brokenFailure = try Self.missingPeerCheck(executor)
    print(brokenFailure.map { "FAIL missing-peer check: \($0)" } ?? "pass missing-peer check")

    // 4. A partitioner the library does not know runs like any other: the
    // executor reads only the schedule.
    let userFailure = try Self.userPartitionerCheck(executor)
    print(
      userFailure.map { "FAIL user-defined partitioner: \($0)" }
        ?? "pass user-defined partitioner (round-robin one-block pieces, combine pass)")

    // 5. The invariant mode: the same bits under every partitioner and device
    // model, and the CPU canonical tree's result within the golden rule.
    var invariantCaseList = RandomDecodeCases(seed: seed &+ 0x1_0000)
    for i in 0..<invariantCases {
      invariantInputs.append(
        (try invariantCaseList.next(index: i), seed &+ 0x1_0000 &+ UInt64(i), nil))
    }
    var invariantRuns: [InvariantRun] = []
    for (c, caseSeed, fixture) in invariantInputs {
      let r = try checkInvariant(c, seed: caseSeed, fixture: fixture, executor, skipped: &skipped)
      invariantRuns.append(r)
      if verbose || !r.failures.isEmpty {
        print(
          "\(r.failures.isEmpty ? "pass" : "FAIL") invariant \(r.name) \(r.dtype) D\(r.headDim): \(r.schedules) schedules, \(r.treePatterns) bit pattern(s) (normal mode: \(r.normalPatterns)) \(r.failures.joined(separator: "; "))"
        )
      }
    }

    var table = Self.table(runs)
    if !invariantRuns.isEmpty {
      table += "\n\nInvariant mode (canonical tree):\n\n" + Self.invariantTable(invariantRuns)
    }
    print(table)
    if !skipped.isEmpty {
      print("skipped: \(skipped.joined(separator: ", "))")
    }
    if let report { try AtomicFile.write(Array((table + "\n").utf8), to: report) }
    let failed = runs.filter { !$0.failures.isEmpty }
    print("\(runs.count) runs, \(failed.count) failed")
    let invariantFailed = invariantRuns.filter { !$0.failures.isEmpty }.count
    print("\(invariantRuns.count) invariant-mode cases, \(invariantFailed) failed")
    var failures = failed.isEmpty ? [] : ["\(failed.count) runs failed"]
    if brokenFailure != nil { failures.append("the missing-peer check failed") }
    if userFailure != nil { failures.append("the user-defined partitioner failed") }
    for r in invariantRuns where !r.failures.isEmpty {
      failures.append("invariant mode, \(r.name) \(r.dtype) D\(r.headDim)")
      print("FAIL invariant mode, \(r.name) \(r.dtype) D\(r.headDim):")
      for f in r.failures { print("  - \(f)") }
    }
    if !failures.isEmpty {
      throw CommandLineError.candidateFailed(failures.joined(separator: ", "))
    }
  }

  /// Runs a lean schedule with one peer claimed that no CTA runs (host wait
  /// 200 ms): passes when the launch reports ``CUDAError/peerNeverArrived(waitMilliseconds:)``
  /// within 10 s and a correct launch afterwards still succeeds.
  static func missingPeerCheck(_ executor: CUDAExecutor) throws -> String? {
    let problem = try AttentionProblem(
      requests: [RequestShape(queryLength: 1, kvLength: 4000)], queryHeads: 8, kvHeads: 8,
      headDim: 128, mask: .causal())
    let inputs = SeededInputs.contiguous(problem, seed: 3, as: Float16.self)
    let schedule = try LeanPartitioner().schedule(problem, on: .h100)
    let start = Date()
    do {
      _ = try executor.runWithMissingPeer(schedule, on: inputs, waitNanoseconds: 200_000_000)
      return "the launch finished without reporting the missing peer"
    } catch CUDAError.peerNeverArrived {
      let seconds = Date().timeIntervalSince(start)
      if seconds > 10 { return "reported after \(seconds) s" }
    }
    _ = try executor.run(schedule, on: inputs)
    return nil
  }

  /// Runs `decode-gqa` under ``RoundRobinPartitioner`` and judges its output
  /// with `compare`'s rule; nil when it passes.
  static func userPartitionerCheck(_ executor: CUDAExecutor) throws -> String? {
    let c = try CaseCatalog.named("decode-gqa")
    let schedule = try RoundRobinPartitioner(blockN: 64, grid: 6).schedule(c.problem, on: .h100)
    let golden = try GoldenFile(
      try SafeTensorsFile(bytes: Data(try GoldenWriter.make(c, seed: 7).serialized())))
    let result = try executor.run(schedule, on: try golden.inputs(as: BFloat16.self))
    let verdict = try Comparison.judge(
      golden: golden, output: result.outputBits.map { BFloat16(bits: $0).doubleValue },
      dtype: c.dtype.dtype, logSumExp: result.logSumExp.map(Double.init))
    return verdict.failures.isEmpty ? nil : verdict.failures.joined(separator: "; ")
  }

  /// The golden corpus's manifest entries; none when `folder` has no manifest.
  ///
  /// - Throws: ``CommandLineError/input(_:)`` when `folder` is not a folder or
  ///   its manifest is not the JSON `golden --corpus` writes.
  static func manifestEntries(_ folder: String) throws -> [JSONValue] {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue
    else {
      throw CommandLineError.input(
        "--fixtures \(folder): no such folder; give the folder `golden --corpus` wrote")
    }
    let path = "\(folder)/\(GoldenCorpus.manifestName)"
    guard let data = FileManager.default.contents(atPath: path) else {
      FileHandle.standardError.write(
        Data("no \(path); running random cases only (pass --fixtures FOLDER)\n".utf8))
      return []
    }
    do {
      guard let cases = try JSONValue.parse(Array(data))["cases"]?.arrayValue else {
        throw CommandLineError.input("\(path): no \"cases\" array")
      }
      return cases
    } catch let e as CommandLineError {
      throw e
    } catch {
      throw CommandLineError.input("\(path): \(error)")
    }
  }

  /// The first device, with the kernels compiled (or taken from the cache) for its architecture.
  static func openGPU() -> Result<(CUDADevice, CUDAExecutor), CUDAError> {
    Result { () throws(CUDAError) -> (CUDADevice, CUDAExecutor) in
      let device = try CUDADevice(driver: try CUDADriver())
      let compiler = KernelCompiler(nvrtc: try NVRTC())
      return (
        device, try CUDAExecutor(device: device, image: try compiler.image(arch: device.arch))
      )
    }
  }

  func progress(_ run: Run?) {
    guard let r = run else { return }
    if verbose || !r.failures.isEmpty {
      print(
        "\(r.failures.isEmpty ? "pass" : "FAIL") \(r.name) \(r.dtype) D\(r.headDim) \(r.partitioner) sm\(r.sms) grid \(r.grid) splits \(r.splits) max|ΔO| \(String(format: "%.2e", r.maxError)) ≤ \(String(format: "%.2e", r.threshold)) \(r.failures.joined(separator: "; "))"
      )
    }
  }

  /// Runs one case with one partitioner twice and judges it.
  func check(
    _ c: GoldenCase, seed: UInt64, fixture: GoldenFile?, _ kind: PartitionerKind,
    _ model: DeviceModel, _ executor: CUDAExecutor
  ) throws -> Run {
    let schedule = try kind.make().schedule(c.problem, on: model)
    // The GPU writes partial states when a combine pass merges them, or when
    // some output is cut into pieces for its host to merge.
    let wantsPartials = schedule.reduction == .combinePass || schedule.maxSplits > 1
    // The golden partials of exactly this schedule: the fixture's own when it
    // carries them, else a golden file made in memory by the same writer.
    var golden = fixture
    if golden == nil || (wantsPartials && fixture?.partials != PartialsDescription(schedule)) {
      let writer = try GoldenWriter.make(
        c, seed: seed,
        partials: wantsPartials ? PartialsRequest(partitioner: kind, device: model) : nil)
      golden = try GoldenFile(try SafeTensorsFile(bytes: Data(writer.serialized())))
    }
    guard let golden else { throw CUDAError.unsupported("no golden file") }
    // Two launches of the same inputs, and the first one's O widened to Double.
    func twice<E: CUDAElement>(_: E.Type) throws -> (
      CUDAExecutor.Result, CUDAExecutor.Result, [Double]
    ) {
      let x = try golden.inputs(as: E.self)
      let a = try executor.run(schedule, on: x)
      return (a, try executor.run(schedule, on: x), a.outputBits.map { E(bits: $0).doubleValue })
    }
    let (first, second, output) =
      switch c.dtype {
      case .f16: try twice(Float16.self)
      case .bf16: try twice(BFloat16.self)
      case .f32: throw CUDAError.unsupported("F32 inputs")
      }
    let verdict = try Comparison.judge(
      golden: golden, output: output, dtype: c.dtype.dtype,
      logSumExp: first.logSumExp.map(Double.init))
    var failures = verdict.failures
    let bitwise =
      first.outputBits == second.outputBits
      && first.logSumExp.map(\.bitPattern) == second.logSumExp.map(\.bitPattern)
      && first.partialOutput.map(\.bitPattern) == second.partialOutput.map(\.bitPattern)
    if !bitwise { failures.append("two launches differ") }
    var partialError: Double?
    if wantsPartials {
      let partials = try PartialsComparison.judge(
        golden: golden, schedule: schedule, output: first.partialOutput,
        logSumExp: first.partialLogSumExp, threshold: verdict.outputThreshold ?? 0)
      partialError = partials.maxAbsError
      failures += partials.failures
    }
    return Run(
      name: c.name, dtype: c.dtype.rawValue, headDim: c.problem.headDim, partitioner: kind.rawValue,
      sms: model.smCount, grid: schedule.ctas.count,
      splits: schedule.maxSplits,
      maxError: verdict.output.maxAbs, threshold: verdict.outputThreshold ?? 0,
      partialError: partialError, bitwise: bitwise, failures: failures)
  }

  static func table(_ runs: [Run]) -> String {
    var lines = [
      "| dtype | partitioner | runs | head dims | SM counts | max splits | max \\|ΔO\\| | max \\|ΔO\\| / threshold | max partial \\|Δ\\| | bitwise repeat | failed |",
      "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    let keys = Set(runs.map { "\($0.dtype)|\($0.partitioner)" }).sorted()
    for key in keys {
      let group = runs.filter { "\($0.dtype)|\($0.partitioner)" == key }
      let parts = key.split(separator: "|")
      let ratio = group.map { $0.threshold > 0 ? $0.maxError / $0.threshold : 0 }.max() ?? 0
      let partial = group.compactMap(\.partialError).max()
      lines.append(
        "| \(parts[0]) | \(parts[1]) | \(group.count) | \(Set(group.map(\.headDim)).sorted().map(String.init).joined(separator: ", ")) | \(Set(group.map(\.sms)).sorted().map(String.init).joined(separator: ", ")) | \(group.map(\.splits).max() ?? 0) | \(String(format: "%.2e", group.map(\.maxError).max() ?? 0)) | \(String(format: "%.2f", ratio)) | \(partial.map { String(format: "%.2e", $0) } ?? "–") | \(group.allSatisfy(\.bitwise) ? "yes" : "NO") | \(group.filter { !$0.failures.isEmpty }.count) |"
      )
    }
    return lines.joined(separator: "\n")
  }
}

/// A partitioner the library does not know: every output cut into pieces of
/// one KV block, dealt to `grid` CTAs round-robin from the last CTA down, so
/// a CTA runs pieces of several outputs and split order is not CTA order;
/// a combine pass merges them.
struct RoundRobinPartitioner: Partitioner {
  var name: String { "round-robin" }
  var blockN: Int?
  var grid: Int

  func schedule(_ problem: AttentionProblem, on device: DeviceModel) throws(AttentionError)
    -> Schedule
  {
    let space = try LeanTileSpace(problem: problem, blockN: blockN)
    var ctas = [[Segment]](repeating: [], count: grid)
    var next = 0
    for (i, o) in space.outputs.enumerated() {
      for k in o.visibleBlocks {
        ctas[grid - 1 - next % grid].append(Segment(output: i, blocks: k..<(k + 1)))
        next += 1
      }
    }
    return Schedule(
      partitioner: name, device: device, blockN: space.blockN, outputs: space.outputs, ctas: ctas,
      reduction: .combinePass)
  }
}
