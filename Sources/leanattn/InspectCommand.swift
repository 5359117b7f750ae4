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
  @Flag(
    help:
      "Print one JSON object: each tensor's dtype, shape, data offsets and SHA-256, and the metadata."
  )
  var json = false

  func run() throws {
    let f: SafeTensorsFile
    do { f = try SafeTensorsFile(contentsOf: file) } catch {
      throw CommandLineError.input("\(file): malformed: \(error)")
    }
    // Verdicts first: a failing file prints nothing on stdout, only its error.
    let verdicts = try checkGolden(f)
    if json {
      print(Self.json(f))
    } else {
      printText(f)
      for line in verdicts { print(line) }
    }
  }

  /// The file as one JSON object (tensors in data order).
  static func json(_ f: SafeTensorsFile) -> String {
    let tensors = f.tensors.map { t -> JSONValue in
      .object([
        ("name", .string(t.name)), ("dtype", .string(t.dtype.rawValue)),
        ("shape", .array(t.shape.map { .int($0) })),
        ("data_offsets", .array([.int(t.byteRange.lowerBound), .int(t.byteRange.upperBound)])),
        ("sha256", .string(f.sha256(of: t))),
      ])
    }
    let metadata = f.metadata.sorted { $0.key < $1.key }.map {
      (key: $0.key, value: JSONValue.string($0.value))
    }
    return JSONValue.object([("tensors", .array(tensors)), ("metadata", .object(metadata))])
      .serialized
  }

  func printText(_ f: SafeTensorsFile) {
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
  }

  /// Verifies checksums, and a golden file's values, when the file has them;
  /// the lines that report what was verified.
  func checkGolden(_ f: SafeTensorsFile) throws -> [String] {
    guard f.metadata[GoldenFormat.Key.checksums] != nil else {
      return ["checksums: none (not a golden file)"]
    }
    do {
      try GoldenFile.verifyChecksums(f)
    } catch {
      throw CommandLineError.input("\(file): checksums: FAILED: \(error)")
    }
    var lines = ["checksums: all \(f.tensors.count) match"]
    guard f.metadata[GoldenFormat.Key.formatVersion] != nil else { return lines }
    do {
      try GoldenFile(f).checkFinite()
    } catch {
      throw CommandLineError.input("\(file): \(error)")
    }
    lines.append("values: finite (lse -inf only on fully masked rows)")
    return lines
  }
}
