import ArgumentParser
import FileIntegrity
import Foundation
import LeanAttention
import LeanAttentionGolden
import SafeTensors

struct GoldenCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "golden",
    abstract: "Write golden files (seeded inputs, exact O and LSE, optional partial states).")

  @Option(name: .customLong("case"), help: "A case from `leanattn cases`.") var caseName: String?
  @Flag(help: "Every case of the catalog.") var all = false
  @Flag(help: "The committed corpus (with its partials) and manifest.json, as in Fixtures/.")
  var corpus = false
  @Option(help: "Output folder.") var out: String
  @Option(help: "Input dtype f16, bf16 or f32 (default: the case's).") var dtype: String?
  @Option(
    parsing: .unconditional, help: "Seed of the Philox input generator.",
    transform: SeedArgument.parse)
  var seed: UInt64 = CaseCatalog.defaultSeed
  @Option(help: "Add the partial states of this partitioner's schedule.")
  var partials: PartitionerKind?
  @Option(
    name: .customLong("tree-states"),
    help:
      "Add the canonical-tree node states of this partitioner's schedule (tree_o, tree_lse; Docs/PartitionInvariance.md)."
  )
  var treeStates: PartitionerKind?
  @Option(help: "Device preset for --partials and --tree-states: a100, h100, h200, l4.")
  var device = "h100"
  @Flag(help: "Flush each file to disk before renaming it into place (durable across power loss).")
  var fsync = false

  func validate() throws {
    let modes = [caseName != nil, all, corpus].filter { $0 }.count
    guard modes == 1 else {
      throw ValidationError("give exactly one of --case NAME, --all, --corpus")
    }
    if let dtype, CaseDType(name: dtype) == nil {
      throw ValidationError("--dtype \(dtype): allowed f16, bf16, f32")
    }
    if corpus && (dtype != nil || partials != nil || treeStates != nil) {
      throw ValidationError(
        "--corpus writes the cases as committed; drop --dtype, --partials and --tree-states")
    }
  }

  func run() throws {
    // Arguments and the output folder before any computing.
    try OutputLocation.checkFolder(out)
    if let caseName { _ = try CaseCatalog.named(caseName) }
    if partials != nil || treeStates != nil { _ = try DeviceModel.preset(device) }
    do {
      try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    } catch {
      throw CommandLineError.io("\(out): cannot create the folder")
    }
    try OutputLocation.checkFolder(out)
    let bar = ProgressBar()
    if corpus {
      let (files, manifest) = try GoldenCorpus.build(seed: seed) { bar.show($0, $1, $2) }
      for f in files {
        try SafeTensorsWriter.writeAtomically(f.bytes, to: "\(out)/\(f.fileName)", sync: fsync)
      }
      try SafeTensorsWriter.writeAtomically(
        Array(manifest.utf8), to: "\(out)/\(GoldenCorpus.manifestName)", sync: fsync)
      print("wrote \(files.count) files and \(GoldenCorpus.manifestName) to \(out)")
      return
    }
    var cases = caseName == nil ? try CaseCatalog.all() : [try CaseCatalog.named(caseName ?? "")]
    if let dtype, let t = CaseDType(name: dtype) {
      cases = cases.map {
        var c = $0
        c.dtype = t
        return c
      }
    }
    let request = try partials.map {
      PartialsRequest(partitioner: $0, device: try DeviceModel.preset(device))
    }
    let treeRequest = try treeStates.map {
      PartialsRequest(partitioner: $0, device: try DeviceModel.preset(device))
    }
    for (i, c) in cases.enumerated() {
      bar.show(i, cases.count, c.name)
      let path = "\(out)/\(c.name).safetensors"
      var writer = try GoldenWriter.make(c, seed: seed, partials: request) {
        bar.show(i, cases.count, "\(c.name): \($0)")
      }
      if let treeRequest {
        bar.show(i, cases.count, "\(c.name): canonical-tree node states")
        try GoldenWriter.addCanonicalTree(
          to: &writer, case: c, seed: seed, schedule: treeRequest)
      }
      bar.show(i, cases.count, "\(c.name): writing")
      try writer.write(to: path, sync: fsync)
    }
    bar.show(cases.count, cases.count, "")
    print("wrote \(cases.count) golden file\(cases.count == 1 ? "" : "s") to \(out)")
  }
}

/// A one-line progress bar on standard error, shown only when standard error
/// is a terminal and only once the work has taken more than a second.
final class ProgressBar {
  let start = Date()
  let enabled = isatty(STDERR_FILENO) != 0
  var shown = false

  func show(_ done: Int, _ total: Int, _ label: String) {
    guard enabled, shown || Date().timeIntervalSince(start) > 1 else { return }
    shown = true
    let width = 30
    let filled = total == 0 ? width : width * done / total
    let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
    let line = "\r[\(bar)] \(done)/\(total) \(label)".padding(
      toLength: 80, withPad: " ", startingAt: 0)
    FileHandle.standardError.write(Data(line.utf8))
    if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
  }
}

struct CasesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cases", abstract: "List the golden-file case catalog.")

  func run() throws {
    for c in try CaseCatalog.all() {
      let p = c.problem
      print(
        "\(c.name)  [\(c.dtype.rawValue), B \(p.batchSize), Hq \(p.queryHeads), Hkv \(p.kvHeads), D \(p.headDim), mask \(p.mask)\(c.inCorpus ? "" : ", not in corpus")]"
      )
      print("    \(c.summary)")
    }
  }
}
