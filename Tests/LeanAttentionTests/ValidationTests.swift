import Foundation
import LeanAttention
import LeanAttentionGolden
import Testing

/// One test per validation error: each bad input is a typed error whose message says what is allowed.
@Suite("Validation")
struct ValidationTests {
  func problem(
    _ r: [RequestShape] = [.init(queryLength: 1, kvLength: 4)], hq: Int = 2, hkv: Int = 1,
    d: Int = 4,
    scale: Double? = nil, mask: AttentionMask = .none, cap: Double? = nil
  ) throws(AttentionError) -> AttentionProblem {
    try AttentionProblem(
      requests: r, queryHeads: hq, kvHeads: hkv, headDim: d, scale: scale, mask: mask, softCap: cap)
  }

  func expectError(_ expected: AttentionError, mentions: String, _ body: () throws -> Void) {
    do {
      try body()
      Issue.record("expected \(expected)")
    } catch let error as AttentionError {
      #expect(error == expected)
      #expect(error.description.contains(mentions), "\(error.description)")
    } catch {
      Issue.record("untyped error \(error)")
    }
  }

  @Test func negativeQueryLength() {
    expectError(.negativeLength(request: 0, which: "query", value: -1), mentions: "0 or more") {
      _ = try problem([.init(queryLength: -1, kvLength: 3)])
    }
  }

  @Test func negativeKVLength() {
    expectError(.negativeLength(request: 1, which: "KV", value: -2), mentions: "0 or more") {
      _ = try problem([.init(queryLength: 1, kvLength: 3), .init(queryLength: 1, kvLength: -2)])
    }
  }

  @Test func nonPositiveHeads() {
    expectError(.invalidHeadCount(queryHeads: 0, kvHeads: 1), mentions: "at least 1") {
      _ = try problem(hq: 0)
    }
    expectError(.invalidHeadCount(queryHeads: 2, kvHeads: 0), mentions: "at least 1") {
      _ = try problem(hkv: 0)
    }
  }

  @Test func headsNotDivisible() {
    expectError(.headsNotDivisible(queryHeads: 6, kvHeads: 4), mentions: "Hq % Hkv == 0") {
      _ = try problem(hq: 6, hkv: 4)
    }
  }

  @Test func headDimOutOfRange() {
    expectError(.headDimOutOfRange(0), mentions: "1...512") { _ = try problem(d: 0) }
    expectError(.headDimOutOfRange(513), mentions: "1...512") { _ = try problem(d: 513) }
  }

  @Test func invalidScale() {
    expectError(.invalidScale(-1), mentions: "finite and greater than 0") {
      _ = try problem(scale: -1)
    }
    expectError(.invalidScale(.infinity), mentions: "finite") { _ = try problem(scale: .infinity) }
  }

  @Test func invalidWindow() {
    expectError(.invalidWindow(left: -3, right: 0), mentions: "0 or more") {
      _ = try problem(mask: .slidingWindow(left: -3, right: 0))
    }
  }

  @Test func invalidSoftCap() {
    expectError(.invalidSoftCap(0), mentions: "greater than 0") { _ = try problem(cap: 0) }
    // NaN never equals itself, so match the case instead of the value.
    #expect {
      _ = try problem(cap: .nan)
    } throws: { error in
      guard case .invalidSoftCap(let c) = error as? AttentionError else { return false }
      return c.isNaN
    }
  }

  @Test func invalidOffsets() {
    func make(_ q: [Int32], _ k: [Int32]) throws {
      _ = try AttentionProblem(queryOffsets: q, kvOffsets: k, queryHeads: 1, kvHeads: 1, headDim: 4)
    }
    expectError(
      .invalidOffsets(name: "cu_seqlens_q", reason: "empty; need B + 1 entries starting at 0"),
      mentions: "B + 1"
    ) {
      try make([], [0])
    }
    expectError(
      .invalidOffsets(name: "cu_seqlens_k", reason: "first entry is 2; it must be 0"),
      mentions: "must be 0"
    ) {
      try make([0, 1], [2, 3])
    }
    expectError(
      .invalidOffsets(
        name: "cu_seqlens_q", reason: "entry 2 (1) is less than entry 1 (3); offsets never decrease"
      ),
      mentions: "never decrease"
    ) { try make([0, 3, 1], [0, 1, 2]) }
    expectError(
      .invalidOffsets(
        name: "cu_seqlens_q/cu_seqlens_k", reason: "lengths 2 and 3 differ; both need B + 1 entries"
      ),
      mentions: "B + 1"
    ) { try make([0, 1], [0, 1, 2]) }
  }

  @Test func tensorShapeMismatch() throws {
    let p = try problem()
    let x = SeededInputs.contiguous(p, seed: 1, as: Float.self)
    guard case .contiguous(let k, let v) = x.keyValues else { return }
    let wrongQ = try Tensor(shape: [1, 1, 8], storage: Array(repeating: Float(0), count: 8))
    expectError(
      .shapeMismatch(tensor: "q", expected: [1, 2, 4], actual: [1, 1, 8]),
      mentions: "expected [1, 2, 4]"
    ) {
      _ = try AttentionInputs(problem: p, queries: wrongQ, keys: k, values: v)
    }
    let wrongV = try Tensor(shape: [3, 1, 4], storage: Array(repeating: Float(0), count: 12))
    expectError(
      .shapeMismatch(tensor: "v", expected: [4, 1, 4], actual: [3, 1, 4]), mentions: "expected"
    ) {
      _ = try AttentionInputs(problem: p, queries: x.queries, keys: k, values: wrongV)
    }
  }

  @Test func storageCountMismatch() {
    expectError(
      .storageCountMismatch(tensor: "k", shape: [2, 3], count: 5), mentions: "needs 6 elements"
    ) {
      _ = try Tensor(shape: [2, 3], storage: [Float](repeating: 0, count: 5), name: "k")
    }
  }

  @Test func pageTableErrors() throws {
    let p = try problem([.init(queryLength: 1, kvLength: 5)])
    let x = SeededInputs.contiguous(p, seed: 1, as: Float.self)
    let cache = try Tensor(shape: [3, 2, 1, 4], storage: [Float](repeating: 0, count: 24))
    func make(_ table: [[Int32]], _ c: Tensor<Float> = cache) throws {
      _ = try AttentionInputs(
        problem: p, queries: x.queries, keyValues: .paged(keys: c, values: c, pageTable: table))
    }
    expectError(
      .invalidPageTable(reason: "request 0 has 5 tokens and needs 3 pages, but its row lists 2"),
      mentions: "needs 3 pages"
    ) {
      try make([[0, 1]])
    }
    expectError(
      .invalidPageTable(reason: "request 0, entry 2: page 3 is outside 0..<3"), mentions: "outside"
    ) {
      try make([[0, 1, 3]])
    }
    expectError(
      .invalidPageTable(reason: "page table has 2 rows for 1 requests; one row per request"),
      mentions: "one row per request"
    ) {
      try make([[0, 1, 2], [0]])
    }
    let empty = try Tensor(shape: [3, 0, 1, 4], storage: [Float]())
    expectError(
      .invalidPageTable(reason: "page size is 0; it must be at least 1"), mentions: "at least 1"
    ) {
      try make([[0, 1, 2]], empty)
    }
  }

  @Test func decodingValidates() throws {
    let json =
      #"{"requests":[{"queryLength":1,"kvLength":4}],"queryHeads":3,"kvHeads":2,"headDim":4}"#
    #expect(throws: AttentionError.headsNotDivisible(queryHeads: 3, kvHeads: 2)) {
      _ = try JSONDecoder().decode(AttentionProblem.self, from: Data(json.utf8))
    }
  }
}
