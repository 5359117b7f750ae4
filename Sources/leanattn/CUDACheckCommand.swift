import ArgumentParser
import FileIntegrity
import Foundation
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
    let check = CUDACheck(
      fixtures: entries.compactMap { $0["file"]?.stringValue }.map { "\(fixtures)/\($0)" },
      randomCases: randomCases, seed: seed, invariantCases: invariantCases)
    let result = try check.run(on: executor, progress: progress)

    let table = result.markdown
    print(table)
    if !result.skipped.isEmpty {
      print("skipped: \(result.skipped.joined(separator: ", "))")
    }
    if let report { try AtomicFile.write(Array((table + "\n").utf8), to: report) }
    print("\(result.runs.count) runs, \(result.failedRuns.count) failed")
    print(
      "\(result.invariantRuns.count) invariant-mode cases, \(result.failedInvariantRuns.count) failed"
    )
    for r in result.failedInvariantRuns {
      print("FAIL invariant mode, \(r.name) \(r.dtype) D\(r.headDim):")
      for f in r.failures { print("  - \(f)") }
    }
    if !result.passed {
      throw CommandLineError.candidateFailed(result.failures.joined(separator: ", "))
    }
  }

  /// Prints each event as the check makes it: failed runs always, passed
  /// ones with `--verbose`, the two single checks always.
  func progress(_ event: CUDACheckEvent) {
    switch event {
    case .run(let r):
      if verbose || !r.passed {
        print(
          "\(r.passed ? "pass" : "FAIL") \(r.name) \(r.dtype) D\(r.headDim) \(r.partitioner) sm\(r.sms) grid \(r.grid) splits \(r.splits) max|ΔO| \(String(format: "%.2e", r.maxError)) ≤ \(String(format: "%.2e", r.threshold)) \(r.failures.joined(separator: "; "))"
        )
      }
    case .missingPeerCheck(let failure):
      print(failure.map { "FAIL missing-peer check: \($0)" } ?? "pass missing-peer check")
    case .userPartitionerCheck(let failure):
      print(
        failure.map { "FAIL user-defined partitioner: \($0)" }
          ?? "pass user-defined partitioner (round-robin one-block pieces, combine pass)")
    case .invariantRun(let r):
      if verbose || !r.passed {
        print(
          "\(r.passed ? "pass" : "FAIL") invariant \(r.name) \(r.dtype) D\(r.headDim): \(r.schedules) schedules, \(r.treePatterns) bit pattern(s) (normal mode: \(r.normalPatterns)) \(r.failures.joined(separator: "; "))"
        )
      }
    }
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
}
