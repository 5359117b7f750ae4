import ArgumentParser
import Foundation
import LeanAttention
import LeanAttentionExplain

struct ExplainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "explain",
    abstract:
      "Step through one decomposition of a small decode problem: tiles, schedule, partial states, merges, output vs exact.",
    discussion: """
      Default: 2 heads, 1000 KV tokens, D 64, 5 SMs, lean. The numbers come from \
      fixed-order Float64 arithmetic and are the same on every machine.
      """
  )

  @Option(help: "per-head, fixed-split or lean.") var partitioner: PartitionerKind = .lean
  @Option(help: "Query heads.") var heads = 2
  @Option(name: .customLong("kv-heads"), help: "KV heads (default: --heads).") var kvHeads: Int?
  @Option(help: "KV tokens of the request.") var tokens = 1000
  @Option(name: .customLong("head-dim"), help: "Head dimension.") var headDim = 64
  @Option(help: "SMs of the device.") var sms = 5
  @Option(help: "Explicit grid (lean).") var grid: Int?
  @Option(help: "Splits per head (fixed-split; default: FlashAttention-2's heuristic).")
  var splits: Int?
  @Option(name: .customLong("block-n"), help: "KV tokens per lean tile (default by head dim).")
  var blockN: Int?
  @Option(help: "Seed of the Philox input generator.") var seed: UInt64 = 2024
  @Option(help: "Write the timeline as SVG (one row per CTA).") var svg: String?
  @Option(help: "Write the walkthrough as one self-contained HTML page.") var html: String?
  @Flag(
    help:
      "Add the invariant mode: the canonical tree, each CTA's emitted subtree states, the host finishing the tree, and the other partitioners' bits."
  )
  var invariant = false

  /// Bad sizes and unwritable files exit 2 with one line on stderr.
  func run() throws {
    do { try explain() } catch {
      FileHandle.standardError.write(Data("leanattn explain: \(error)\n".utf8))
      throw ExitCode(2)
    }
  }

  func explain() throws {
    let walkthrough = try Walkthrough(
      WalkthroughConfiguration(
        heads: heads, kvHeads: kvHeads, tokens: tokens, headDim: headDim, smCount: sms,
        partitioner: partitioner, grid: grid, splits: splits, blockN: blockN, seed: seed))
    if let svg {
      try writeFile(WalkthroughTimeline.render(walkthrough), to: svg)
    }
    if let html {
      try writeFile(WalkthroughPage.render(walkthrough), to: html)
    }
    print(walkthrough.text(), terminator: "")
    if invariant {
      let tree = try CanonicalTreeWalkthrough(walkthrough.configuration)
      print("\n" + tree.text(), terminator: "")
    }
  }
}

struct PicturesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pictures",
    abstract: "Write the documentation's generated pictures (Docs/images) into a folder."
  )

  @Option(help: "The folder to write into.") var out = "Docs/images"
  @Option(
    help: "The measured GPU sweep (CSV of Benchmarks/gpu_sweep.py) to plot beside the simulation.")
  var sweep = "Docs/data/gpu_sweep_h100_host_finish.csv"

  func run() throws {
    do { try write() } catch {
      FileHandle.standardError.write(Data("leanattn pictures: \(error)\n".utf8))
      throw ExitCode(2)
    }
  }

  func write() throws {
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    let csv: String
    do { csv = try String(contentsOfFile: sweep, encoding: .utf8) } catch {
      throw FileWriteError(
        description: "cannot read \(sweep): \((error as NSError).localizedDescription)")
    }
    for picture in try DocumentationPictures.all(measured: try MeasuredSweep(csv: csv)) {
      try writeFile(picture.svg, to: "\(out)/\(picture.name)")
      print("\(out)/\(picture.name)")
    }
  }
}

/// An error whose description is the one line the CLI prints.
struct FileWriteError: Error, CustomStringConvertible {
  var description: String
}

/// Writes `text` to `path` atomically; a failure says which file and why.
func writeFile(_ text: String, to path: String) throws {
  do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
    let reason = (error as NSError).userInfo[NSUnderlyingErrorKey].map { "\($0)" } ?? "\(error)"
    throw FileWriteError(
      description:
        "cannot write \(path): \((error as NSError).localizedDescription) (\(reason.prefix(120)))")
  }
}
