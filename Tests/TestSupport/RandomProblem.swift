import LeanAttention
import LeanAttentionGolden
import PropertyBased

/// A random problem built from shrinkable dimensions.
public struct RandomProblem: CustomStringConvertible, Sendable {
  public var problem: AttentionProblem
  public var pageSize: Int?
  public var seed: UInt64
  public var description: String {
    let lengths: [String] = problem.requests.map { "\($0.queryLength)x\($0.kvLength)" }
    let cap: String = problem.softCap.map { "\($0)" } ?? "-"
    let page: String = pageSize.map { "\($0)" } ?? "-"
    let heads = "Hq=\(problem.queryHeads) Hkv=\(problem.kvHeads) D=\(problem.headDim)"
    return "\(lengths) \(heads) mask=\(problem.mask) cap=\(cap) page=\(page) seed=\(seed)"
  }

  /// Derives a problem from the generator's integers; every combination is valid.
  public static func make(
    batch: Int, maxQuery: Int, maxKV: Int, kvHeads: Int, group: Int, headDim: Int, maskKind: Int,
    seed: UInt64
  ) -> RandomProblem {
    var r = PhiloxDraws(seed: seed, stream: 99)
    // A draw in 0...bound.
    func draw(_ bound: Int) -> Int { r.next(below: bound + 1) }
    var requests: [RequestShape] = []
    for _ in 0..<batch {
      requests.append(RequestShape(queryLength: draw(maxQuery), kvLength: draw(maxKV)))
    }
    let masks: [AttentionMask] = [
      .none, .causal(.bottomRight), .causal(.topLeft),
      .slidingWindow(left: draw(6), right: draw(3)),
      .slidingWindow(left: nil, right: draw(2)),
    ]
    let cap: Double? = draw(2) == 0 ? 1.5 : nil
    let paged = draw(1) == 1 ? 1 + draw(7) : nil
    // Valid by construction: every field is in range.
    let problem = try! AttentionProblem(
      requests: requests, queryHeads: kvHeads * group, kvHeads: kvHeads, headDim: headDim,
      mask: masks[maskKind % masks.count], softCap: cap)
    return RandomProblem(problem: problem, pageSize: paged, seed: seed)
  }

  /// Seeded inputs of the problem, paged when `pageSize` is set.
  public func inputs<E: StorageScalar>(_: E.Type) throws -> AttentionInputs<E> {
    if let pageSize {
      return try SeededInputs.paged(problem, seed: seed, pageSize: pageSize, as: E.self)
    }
    return SeededInputs.contiguous(problem, seed: seed, as: E.self)
  }
}

/// Random ragged, GQA, paged, masked, soft-capped problems (batch 0…4, query 0…9, KV 0…80 tokens).
public let randomProblems = zip(
  Gen.int(in: 0...4), Gen.int(in: 0...9), Gen.int(in: 0...80), Gen.int(in: 1...3),
  Gen.int(in: 0...3), Gen.int(in: 1...40), Gen.int(in: 0...4), Gen.uint64(in: 0...UInt64.max)
).map {
  RandomProblem.make(
    batch: $0, maxQuery: $1, maxKV: $2, kvHeads: $3, group: 1 << $4, headDim: $5, maskKind: $6,
    seed: $7)
}
