import ArgumentParser
import Foundation
import LeanAttention
import LeanAttentionCUDA
import LeanAttentionGolden
import SafeTensors

struct CUDACheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cuda-check",
    abstract:
      "Run golden fixtures and random cases on the GPU with all three partitioners; judge each with `compare`'s rule.",
    discussion: "Exit status: 0 all pass, 1 a case failed, 3 no usable GPU on this machine.")

  @Option(help: "Folder of the golden corpus.") var fixtures = "Fixtures"
  @Option(name: .customLong("random-cases"), help: "Random property cases.") var randomCases = 210
  @Option(parsing: .unconditional, help: "Seed of the random cases.", transform: SeedArgument.parse)
  var seed: UInt64 = 7
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

  func run() throws {
    let device: CUDADevice
    let executor: CUDAExecutor
    switch Self.openGPU() {
    case .success(let pair):
      (device, executor) = pair
    case .failure(let e):
      print(e.isMissingGPU ? "no GPU: \(e)" : "error: \(e)")
      throw e.isMissingGPU ? ExitCode(3) : ExitCode.failure
    }
    print(
      "\(device.name), \(device.arch), \(device.multiprocessors) SMs, driver \(device.driverVersion)"
    )
    var runs: [Run] = []
    var skipped: [String] = []

    // 1. The golden corpus.
    let manifestPath = "\(fixtures)/\(GoldenCorpus.manifestName)"
    var entries: [JSONValue] = []
    if let text = try? String(contentsOfFile: manifestPath, encoding: .utf8) {
      entries = try JSONValue.parse(Array(text.utf8))["cases"]?.arrayValue ?? []
    } else {
      print("no \(manifestPath); running random cases only (pass --fixtures FOLDER)")
    }
    for entry in entries {
      guard let file = entry["file"]?.stringValue else { continue }
      let golden = try GoldenFile(contentsOf: "\(fixtures)/\(file)")
      let d = golden.description
      if let why = CUDAExecutor.unsupportedReason(d.problem)
        ?? (d.dtype == .f32 ? "F32 inputs" : nil)
      {
        skipped.append("\(d.name) (\(why))")
        continue
      }
      for partitioner in PartitionerKind.allCases {
        for model in [DeviceModel.h100, try DeviceModel(name: "sm7", smCount: 7)] {
          runs.append(
            try check(d.goldenCase, seed: d.seed, fixture: golden, partitioner, model, executor))
          progress(runs.last)
        }
      }
    }

    // 2. Random property cases.
    var rng = CaseRandom(seed: seed)
    let smCounts = [1, 7, 108, 132, 257]
    for i in 0..<randomCases {
      let c = try rng.randomCase(index: i)
      let partitioner = PartitionerKind.allCases[i % 3]
      let model = try DeviceModel(
        name: "sm\(smCounts[(i / 3) % smCounts.count])", smCount: smCounts[(i / 3) % smCounts.count]
      )
      runs.append(try check(c, seed: seed &+ UInt64(i), fixture: nil, partitioner, model, executor))
      progress(runs.last)
    }

    let table = Self.table(runs)
    print(table)
    if !skipped.isEmpty {
      print("fixtures the kernels do not cover: \(skipped.joined(separator: ", "))")
    }
    if let report {
      try (table + "\n").write(toFile: report, atomically: true, encoding: .utf8)
    }
    let failed = runs.filter { !$0.failures.isEmpty }
    print("\(runs.count) runs, \(failed.count) failed")
    if !failed.isEmpty { throw ExitCode.failure }
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
    let wantsPartials = kind != .perHead
    // The golden partials of exactly this schedule: the fixture's own when it
    // carries them, else a golden file made in memory by the same writer.
    var golden = fixture
    let matches =
      fixture?.partials?["partitioner"]?.stringValue == kind.rawValue
      && fixture?.partials?["sm_count"]?.intValue == model.smCount
    if golden == nil || (wantsPartials && !matches) {
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
      let (err, missing) = try partialsError(first, golden: golden, schedule: schedule, kind: kind)
      partialError = err
      let limit = verdict.outputThreshold ?? 0
      if missing > 0 { failures.append("\(missing) partial rows missing") }
      if !(err <= limit) {
        failures.append(
          "partial max |Δ| \(String(format: "%.2e", err)) > \(String(format: "%.2e", limit))")
      }
    }
    return Run(
      name: c.name, dtype: c.dtype.rawValue, headDim: c.problem.headDim, partitioner: kind.rawValue,
      sms: model.smCount, grid: schedule.ctas.count,
      splits: Schedule.pieces(outputs: schedule.outputs.count, ctas: schedule.ctas).map(\.count)
        .max() ?? 0,
      maxError: verdict.output.maxAbs, threshold: verdict.outputThreshold ?? 0,
      partialError: partialError, bitwise: bitwise, failures: failures)
  }

  /// Max |Δ| between the GPU's partial outputs and the golden partials over the
  /// pieces the GPU writes (all for fixed-split; split outputs for lean), and
  /// how many of those rows it left unwritten.
  func partialsError(
    _ r: CUDAExecutor.Result, golden: GoldenFile, schedule: Schedule, kind: PartitionerKind
  ) throws -> (Double, Int) {
    let p = golden.problem
    let d = p.headDim
    let rows = p.totalQueryTokens * p.queryHeads
    let po = try golden.file.doubles(GoldenFormat.Tensor.partialOutput)
    let pl = try golden.file.doubles(GoldenFormat.Tensor.partialLogSumExp)
    let pieces = Schedule.pieces(outputs: schedule.outputs.count, ctas: schedule.ctas)
    var worst = 0.0
    var missing = 0
    for (i, tile) in schedule.outputs.enumerated() {
      let n = pieces[i].count
      if n == 0 || (kind == .lean && n == 1) { continue }
      for s in 0..<n {
        for rr in tile.rows {
          let row = tile.queryRow(rr, in: p)
          let gl = pl[s * rows + row]
          let cl = Double(r.partialLogSumExp[s * rows + row])
          if gl.isFinite != cl.isFinite {
            missing += 1
            continue
          }
          for e in 0..<d {
            let a = Double(r.partialOutput[(s * rows + row) * d + e])
            let b = po[(s * rows + row) * d + e]
            if !(abs(a - b) <= worst) { worst = abs(a - b) }
          }
        }
      }
    }
    return (worst, missing)
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

/// Random decode cases for `cuda-check`, drawn from Philox so that a seed names a case list.
struct CaseRandom {
  let generator: Philox4x32
  var counter: UInt32 = 0

  init(seed: UInt64) { generator = Philox4x32(seed: seed) }

  mutating func next(_ n: Int) -> Int {
    counter += 1
    return Int(generator.block((counter, 0, 9, 0)).0 % UInt32(n))
  }

  mutating func randomCase(index i: Int) throws -> GoldenCase {
    let batch = 1 + next(6)
    var long = false
    let lengths = (0..<batch).map { _ -> Int in
      switch next(10) {
      case 0: return 0
      case 1: return 1
      case 2, 3: return 2 + next(126)
      case 4 where !long:
        long = true  // at most one long request keeps a case's inputs small
        return 4000 + next(12000)
      default: return 2 + next(3000)
      }
    }
    let (hq, hkv): (Int, Int)
    switch next(4) {
    case 0:
      let h = 1 + next(8)
      (hq, hkv) = (h, h)  // ratio 1
    case 1:
      let h = 1 + next(4)
      (hq, hkv) = (4 * h, h)
    case 2:
      let h = 1 + next(4)
      (hq, hkv) = (8 * h, h)
    default:
      (hq, hkv) = ([4, 8, 16, 32][next(4)], 1)  // MQA
    }
    let d = next(2) == 0 ? 64 : 128
    let mask: AttentionMask =
      next(5) == 0 ? .slidingWindow(left: 100 + next(400), right: 0) : .causal()
    let problem = try AttentionProblem(
      requests: lengths.map { RequestShape(queryLength: 1, kvLength: $0) }, queryHeads: hq,
      kvHeads: hkv, headDim: d, mask: mask)
    return GoldenCase(
      name: "random-\(i)", summary: "random decode case \(i)", problem: problem,
      dtype: next(2) == 0 ? .f16 : .bf16,
      layout: next(3) == 0 ? .paged(pageSize: [16, 64][next(2)]) : .contiguous, inCorpus: false)
  }
}
