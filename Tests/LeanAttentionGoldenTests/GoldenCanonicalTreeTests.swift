import Foundation
import LeanAttention
import LeanAttentionGolden
import SafeTensors
import TestSupport
import Testing

/// The canonical tree's node states in golden files (`Docs/PartitionInvariance.md`).
@Suite("Golden canonical-tree states")
struct GoldenCanonicalTreeTests {
  @Test("Golden files carry the canonical node states; merged, they give the golden output")
  func goldenTreeStates() throws {
    let c = try CaseCatalog.named("ragged-decode")
    let seed = CaseCatalog.defaultSeed
    var w = try GoldenWriter.make(c, seed: seed)
    let request = PartialsRequest(partitioner: .lean, device: try DeviceModel(smCount: 7))
    try GoldenWriter.addCanonicalTree(to: &w, case: c, seed: seed, schedule: request)
    // The checksums cover the new tensors: the file opens as a golden file.
    let g = try GoldenFile(SafeTensorsFile(bytes: Data(w.serialized())))
    let p = g.problem
    let o = try g.file.values(GoldenWriter.CanonicalTreeNames.output, as: Double.self)
    let lse = try g.file.values(GoldenWriter.CanonicalTreeNames.logSumExp, as: Double.self)
    let slots = lse.count / (p.totalQueryTokens * p.queryHeads)
    #expect(slots > 1)
    // The one-pass n-ary merge of every row's node states is the row's attention.
    let merged = try StateMerge.mergeSplits(
      partials: Tensor(shape: [slots, p.totalQueryTokens, p.queryHeads, p.headDim], storage: o),
      logSumExp: Tensor(shape: [slots, p.totalQueryTokens, p.queryHeads], storage: lse),
      in: Double.self)
    let golden = try g.file.values(GoldenFormat.Tensor.output, as: Double.self)
    #expect(maxAbsDifference(merged.output.storage, golden) <= 1e-12)
    // The metadata's nodes tile every output's visible blocks in KV order.
    let text = try #require(w.metadata[GoldenWriter.CanonicalTreeNames.metadata])
    guard case .object(let pairs) = try JSONValue.parse(Array(text.utf8)),
      case .array(let nodes)? = pairs.first(where: { $0.key == "nodes" })?.value
    else {
      Issue.record("no nodes in \(text.prefix(200))")
      return
    }
    let space = try LeanTileSpace(
      problem: p, blockN: LeanTileSpace.defaultBlockN(headDim: p.headDim))
    var next = [Int](repeating: 0, count: space.outputs.count)
    for case .array(let row) in nodes {
      let v = row.compactMap { if case .number(let t) = $0 { Int(t) } else { nil } }
      #expect(v.count == 8)
      guard v.count == 8 else { continue }
      #expect(v[6] == next[v[0]])
      #expect(v[7] - v[6] <= 1 << v[4])
      next[v[0]] = v[7]
    }
    #expect(next == space.outputs.map(\.visibleBlocks.count))
  }
}
