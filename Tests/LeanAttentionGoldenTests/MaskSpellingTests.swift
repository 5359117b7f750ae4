import Foundation
import LeanAttention
import LeanAttentionGolden
import SafeTensors
import Testing

@Suite("Mask JSON")
struct MaskSpellingTests {
  @Test(
    "A mask has one JSON spelling, the golden metadata's",
    arguments: [
      (AttentionMask.none, #"{"type":"none"}"#),
      (.causal(.topLeft), #"{"causal_alignment":"top-left","type":"causal"}"#),
      (
        .slidingWindow(left: 100, right: nil),
        #"{"type":"sliding_window","window_left":100,"window_right":-1}"#
      ),
    ])
  func maskSpelling(mask: AttentionMask, json: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    #expect(String(decoding: try encoder.encode(mask), as: UTF8.self) == json)
    #expect(try JSONDecoder().decode(AttentionMask.self, from: Data(json.utf8)) == mask)
    // The same keys and values as a golden file's `case` metadata.
    let p = try AttentionProblem(
      requests: [.init(queryLength: 1, kvLength: 4)], queryHeads: 1, kvHeads: 1, headDim: 4,
      mask: mask)
    let c = GoldenCase(name: "m", summary: "", problem: p, dtype: .f32, inCorpus: false)
    let golden = try #require(CaseDescription(c, seed: 1).json["mask"])
    let ours = try JSONValue.parse(Array(try encoder.encode(mask)))
    guard case .object(let a) = golden, case .object(let b) = ours else {
      Issue.record("not objects")
      return
    }
    #expect(
      Dictionary(uniqueKeysWithValues: a.map { ($0.key, $0.value) })
        == Dictionary(uniqueKeysWithValues: b.map { ($0.key, $0.value) }))
  }
}
