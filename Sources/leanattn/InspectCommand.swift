import ArgumentParser
import Foundation
import LeanAttentionGolden
import SafeTensors

struct InspectCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspect",
    abstract: "Print a safetensors file's tensors, metadata and checksum verdict.",
    discussion: "Exits 2 with a one-line reason when the file is malformed or a checksum fails.")

  @Argument(help: "The file.") var file: String

  func run() throws {
    let f: SafeTensorsFile
    do { f = try SafeTensorsFile(contentsOf: file) } catch {
      throw CommandLineError.input("\(file): malformed: \(error)")
    }
    print("\(file): \(f.tensors.count) tensors, \(f.bytes.count) bytes")
    for t in f.tensors {
      print(
        "  \(t.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(t.dtype.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)) \(t.shape)"
      )
    }
    if !f.metadata.isEmpty {
      print("metadata:")
      for (k, v) in f.metadata.sorted(by: { $0.key < $1.key }) { print("  \(k): \(v)") }
    }
    guard f.metadata[GoldenFormat.Key.checksums] != nil else {
      print("checksums: none (not a golden file)")
      return
    }
    do {
      try GoldenFile.verifyChecksums(f)
    } catch {
      throw CommandLineError.input("\(file): checksums: FAILED: \(error)")
    }
    print("checksums: all \(f.tensors.count) match")
    guard f.metadata[GoldenFormat.Key.formatVersion] != nil else { return }
    do {
      try GoldenFile(f).checkFinite()
    } catch {
      throw CommandLineError.input("\(file): \(error)")
    }
    print("values: finite (lse -inf only on fully masked rows)")
  }
}
