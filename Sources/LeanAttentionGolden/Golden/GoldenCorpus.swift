import LeanAttention
import FileIntegrity
import SafeTensors

/// The committed corpus: every catalog case marked `inCorpus`, plus a manifest.
public enum GoldenCorpus {
  /// The manifest's file name.
  public static let manifestName = "manifest.json"

  /// One file of the corpus.
  public struct File: Sendable {
    /// The catalog case it was made from.
    public var caseName: String
    /// Its file name in `Fixtures/`.
    public var fileName: String
    /// Its bytes, as written.
    public var bytes: [UInt8]
  }

  /// Every corpus file, in catalog order, and the manifest text.
  ///
  /// `progress` is called before each case with its index, the count and the name.
  ///
  /// - Throws: ``GoldenError``.
  public static func build(
    seed: UInt64 = CaseCatalog.defaultSeed,
    progress: (Int, Int, String) -> Void = { _, _, _ in }
  ) throws(GoldenError) -> (files: [File], manifest: String) {
    let cases: [GoldenCase]
    do { cases = try CaseCatalog.all().filter(\.inCorpus) } catch { throw .attention(error) }
    var files: [File] = []
    for (i, c) in cases.enumerated() {
      progress(i, cases.count, c.name)
      let bytes = try GoldenWriter.make(c, seed: seed, partials: c.corpusPartials).serialized()
      files.append(File(caseName: c.name, fileName: "\(c.name).safetensors", bytes: bytes))
    }
    progress(cases.count, cases.count, "")
    return (files, manifest(files, seed: seed))
  }

  /// The manifest: format version, seed, and each case's file, size and SHA-256, one per line.
  public static func manifest(_ files: [File], seed: UInt64) -> String {
    var lines = [
      "{\"format_version\":\"\(GoldenFormat.formatVersion)\",\"seed\":\(seed),\"cases\":["
    ]
    for (i, f) in files.enumerated() {
      let sha = f.bytes.withUnsafeBytes { SHA256.hex($0) }
      let entry = JSONValue.object([
        ("case", .string(f.caseName)), ("file", .string(f.fileName)),
        ("bytes", .int(f.bytes.count)),
        ("sha256", .string(sha)),
      ])
      lines.append(" " + entry.serialized + (i + 1 < files.count ? "," : ""))
    }
    lines.append("]}")
    return lines.joined(separator: "\n") + "\n"
  }
}
