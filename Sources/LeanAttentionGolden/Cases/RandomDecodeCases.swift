import LeanAttention

/// Random decode cases drawn from Philox, so that a seed names a case list.
///
/// The cases cover what the decode kernels must handle: batches of 1…6
/// requests with empty, one-token, short and (at most one per case) long KV
/// caches; MHA, GQA with 4 or 8 query heads per KV head, and MQA; head
/// dimensions 64 and 128; causal or sliding-window masks; F16 or BF16 inputs;
/// contiguous or paged caches. The draws are ``PhiloxDraws`` on stream 9.
public struct RandomDecodeCases: Sendable {
  var draws: PhiloxDraws

  /// The generator of `seed`'s case list.
  public init(seed: UInt64) { draws = PhiloxDraws(seed: seed, stream: 9) }

  mutating func next(below bound: Int) -> Int { draws.next(below: bound) }

  /// The next case, named `random-<index>`.
  ///
  /// - Throws: never for the shapes drawn here; typed as the problem's initializer is.
  public mutating func next(index i: Int) throws(AttentionError) -> GoldenCase {
    let batch = 1 + next(below: 6)
    var long = false
    let lengths = (0..<batch).map { _ -> Int in
      switch next(below: 10) {
      case 0: return 0
      case 1: return 1
      case 2, 3: return 2 + next(below: 126)
      case 4 where !long:
        long = true  // at most one long request keeps a case's inputs small
        return 4000 + next(below: 12000)
      default: return 2 + next(below: 3000)
      }
    }
    let (hq, hkv): (Int, Int)
    switch next(below: 4) {
    case 0:
      let h = 1 + next(below: 8)
      (hq, hkv) = (h, h)  // ratio 1
    case 1:
      let h = 1 + next(below: 4)
      (hq, hkv) = (4 * h, h)
    case 2:
      let h = 1 + next(below: 4)
      (hq, hkv) = (8 * h, h)
    default:
      (hq, hkv) = ([4, 8, 16, 32][next(below: 4)], 1)  // MQA
    }
    let d = next(below: 2) == 0 ? 64 : 128
    let mask: AttentionMask =
      next(below: 5) == 0 ? .slidingWindow(left: 100 + next(below: 400), right: 0) : .causal()
    let problem = try AttentionProblem(
      requests: lengths.map { RequestShape(queryLength: 1, kvLength: $0) }, queryHeads: hq,
      kvHeads: hkv, headDim: d, mask: mask)
    return GoldenCase(
      name: "random-\(i)", summary: "random decode case \(i)", problem: problem,
      dtype: next(below: 2) == 0 ? .f16 : .bf16,
      layout: next(below: 3) == 0 ? .paged(pageSize: [16, 64][next(below: 2)]) : .contiguous,
      inCorpus: false)
  }
}
