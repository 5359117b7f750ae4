import Foundation
import LeanAttention
import SafeTensors

/// A golden file, opened, checked against its checksums and described.
public struct GoldenFile: Sendable {
  /// The underlying safetensors file.
  public let file: SafeTensorsFile
  /// The case it was made from.
  public let description: CaseDescription
  /// The metadata's `partials` entry, if the file carries partial states.
  public let partials: PartialsDescription?

  /// The problem.
  public var problem: AttentionProblem { description.problem }

  /// Opens and verifies a golden file.
  ///
  /// - Throws: ``GoldenError/file(_:)`` for a malformed file or a checksum
  ///   that does not match, ``GoldenError/invalidMetadata(_:)`` for metadata
  ///   this version cannot read.
  public init(contentsOf path: String) throws(GoldenError) {
    let file: SafeTensorsFile
    do { file = try SafeTensorsFile(contentsOf: path) } catch { throw .file(error) }
    try self.init(file)
  }

  /// Verifies an already-read file.
  ///
  /// - Throws: as ``init(contentsOf:)``.
  public init(_ file: SafeTensorsFile) throws(GoldenError) {
    let m = file.metadata
    guard let version = m[GoldenFormat.Key.formatVersion] else {
      throw .invalidMetadata("no format_version; this is not a LeanAttention golden file")
    }
    guard version == GoldenFormat.formatVersion else {
      throw .invalidMetadata(
        "format_version \(version); this library reads version \(GoldenFormat.formatVersion)")
    }
    try Self.verifyChecksums(file)
    guard let text = m[GoldenFormat.Key.caseDescription] else {
      throw .invalidMetadata("no \"case\" entry")
    }
    let json: JSONValue
    do { json = try JSONValue.parse(Array(text.utf8)) } catch { throw .file(error) }
    self.description = try CaseDescription(json: json)
    // The metadata's sizes must be the tensors' own, so that nothing sized from
    // the metadata can exceed what the file holds.
    let p = description.problem
    for (name, shape) in [
      (GoldenFormat.Tensor.output, [p.totalQueryTokens, p.queryHeads, p.headDim]),
      (GoldenFormat.Tensor.logSumExp, [p.totalQueryTokens, p.queryHeads]),
      (GoldenFormat.Tensor.queries, [p.totalQueryTokens, p.queryHeads, p.headDim]),
    ] {
      guard let e = file.tensors.first(where: { $0.name == name }) else {
        throw .file(.missingTensor(name))
      }
      guard e.shape == shape else {
        throw .invalidMetadata(
          "the case describes \(name) of shape \(shape) but the file holds \(e.shape)")
      }
    }
    if let text = m[GoldenFormat.Key.partials] {
      let json: JSONValue
      do { json = try JSONValue.parse(Array(text.utf8)) } catch { throw .file(error) }
      partials = try PartialsDescription(json: json)
    } else {
      partials = nil
    }
    self.file = file
  }

  /// Checks the `sha256` metadata entry against every tensor.
  ///
  /// Every tensor must be listed, and every listed tensor must exist.
  ///
  /// - Throws: ``GoldenError/file(_:)`` with `SafeTensorsError/checksumMismatch(tensor:expected:actual:)`,
  ///   or ``GoldenError/invalidMetadata(_:)``.
  public static func verifyChecksums(_ file: SafeTensorsFile) throws(GoldenError) {
    guard let text = file.metadata[GoldenFormat.Key.checksums] else {
      throw .invalidMetadata("no \"sha256\" entry")
    }
    let json: JSONValue
    do { json = try JSONValue.parse(Array(text.utf8)) } catch { throw .file(error) }
    guard case .object(let pairs) = json else {
      throw .invalidMetadata("\"sha256\" must be a JSON object of tensor name to hex digest")
    }
    let listed = Dictionary(pairs.map { ($0.key, $0.value.stringValue ?? "") }) { a, _ in a }
    for e in file.tensors {
      guard let expected = listed[e.name] else {
        throw .invalidMetadata("tensor \"\(e.name)\" has no checksum in \"sha256\"")
      }
      let actual = file.sha256(of: e)
      guard actual == expected else {
        throw .file(.checksumMismatch(tensor: e.name, expected: expected, actual: actual))
      }
    }
    for name in listed.keys where !file.contains(name) {
      throw .file(.missingTensor(name))
    }
  }

  /// A tensor, widened to `Double`, after checking its shape.
  ///
  /// - Throws: ``GoldenError/file(_:)`` when it is missing or has another shape.
  public func doubles(_ name: String, shape: [Int]) throws(GoldenError) -> [Double] {
    do throws(SafeTensorsError) {
      let e = try file.entry(name)
      guard e.shape == shape else {
        throw .unexpectedTensor(name: name, reason: "shape \(e.shape); \(shape) expected")
      }
      return try file.doubles(name)
    } catch { throw .file(error) }
  }

  /// `O` in Float64, `[totalQ, Hq, D]`.
  public func output() throws(GoldenError) -> [Double] {
    let p = problem
    return try doubles(
      GoldenFormat.Tensor.output, shape: [p.totalQueryTokens, p.queryHeads, p.headDim])
  }

  /// Natural-log `LSE` in Float64, `[totalQ, Hq]`.
  public func logSumExp() throws(GoldenError) -> [Double] {
    let p = problem
    return try doubles(GoldenFormat.Tensor.logSumExp, shape: [p.totalQueryTokens, p.queryHeads])
  }

  /// The stored inputs, converted to `Element` (exact when `Element` is the case dtype or wider).
  ///
  /// - Throws: ``GoldenError`` when a tensor is missing, has the wrong shape, or
  ///   the page table is invalid.
  public func inputs<Element: StorageScalar>(as _: Element.Type = Element.self) throws(GoldenError)
    -> AttentionInputs<Element>
  {
    typealias T = GoldenFormat.Tensor
    let p = problem
    func tensor(_ name: String, _ shape: [Int]) throws(GoldenError) -> Tensor<Element> {
      let values = try doubles(name, shape: shape).map(Element.init(roundingFrom:))
      do { return try Tensor(shape: shape, storage: values, name: name) } catch {
        throw .attention(error)
      }
    }
    let q = try tensor(T.queries, [p.totalQueryTokens, p.queryHeads, p.headDim])
    let layout: KeyValueLayout<Element>
    switch description.layout {
    case .contiguous:
      let shape = [p.totalKVTokens, p.kvHeads, p.headDim]
      layout = .contiguous(keys: try tensor(T.keys, shape), values: try tensor(T.values, shape))
    case .paged(let pageSize):
      let pages: Int
      let table: [Int32]
      do throws(SafeTensorsError) {
        pages = try file.entry(T.keyCache).shape.first ?? 0
        table = try file.values(T.pageTable, as: Int32.self)
      } catch { throw .file(error) }
      let shape = [pages, pageSize, p.kvHeads, p.headDim]
      let width = p.batchSize == 0 ? 0 : table.count / p.batchSize
      let rows = (0..<p.batchSize).map { b in
        Array(table[(b * width)..<((b + 1) * width)].prefix { $0 >= 0 })
      }
      layout = .paged(
        keys: try tensor(T.keyCache, shape), values: try tensor(T.valueCache, shape),
        pageTable: rows)
    }
    do { return try AttentionInputs(problem: p, queries: q, keyValues: layout) } catch {
      throw .attention(error)
    }
  }
}
