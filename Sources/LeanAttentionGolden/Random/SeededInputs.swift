import LeanAttention

/// Q, K and V for a problem, drawn from ``NormalStream`` and rounded to a storage type.
///
/// Stream ids: 1 for Q, 2 for K, 3 for V, 4 for the page-table shuffle. Q is
/// drawn in packed order `[totalQ, Hq, D]`, K and V in packed order
/// `[totalKV, Hkv, D]`; a paged cache scatters those same K and V rows into
/// pages, so paged and contiguous inputs of one seed hold the same logical
/// tokens. Samples are scaled by `queryScale` (Q) and `keyScale` (K), which
/// makes extreme-score cases reproducible too.
public enum SeededInputs {
  /// Stream id of each tensor.
  public enum Stream: UInt32, Sendable {
    /// `queries` (1), `keys` (2), `values` (3) and the page order of a paged
    /// layout (`pageShuffle`, 4): the counter word 2 of each tensor's draws.
    case queries = 1, keys = 2, values = 3, pageShuffle = 4
  }

  /// Contiguous (packed varlen) inputs.
  public static func contiguous<Element: StorageScalar>(
    _ problem: AttentionProblem, seed: UInt64, as _: Element.Type = Element.self,
    queryScale: Double = 1, keyScale: Double = 1
  ) -> AttentionInputs<Element> {
    let (q, k, v) = draw(
      problem, seed: seed, queryScale: queryScale, keyScale: keyScale, as: Element.self)
    // The shapes are derived from the problem, so they need no check.
    return AttentionInputs(
      unchecked: problem, queries: q, keyValues: .contiguous(keys: k, values: v))
  }

  /// Paged inputs: each request's pages are taken from a shuffled pool.
  ///
  /// - Throws: `AttentionError/invalidParameter(name:value:allowed:)` when `pageSize < 1`.
  public static func paged<Element: StorageScalar>(
    _ problem: AttentionProblem, seed: UInt64, pageSize: Int, as _: Element.Type = Element.self,
    queryScale: Double = 1, keyScale: Double = 1
  ) throws(AttentionError) -> AttentionInputs<Element> {
    guard pageSize >= 1 else {
      throw .invalidParameter(name: "page size", value: "\(pageSize)", allowed: "1 or more")
    }
    let (q, k, v) = draw(
      problem, seed: seed, queryScale: queryScale, keyScale: keyScale, as: Element.self)
    let pagesPer = problem.requests.map { ($0.kvLength + pageSize - 1) / pageSize }
    let total = pagesPer.reduce(0, +)
    let order = shuffled(total, seed: seed)
    var table: [[Int32]] = []
    var next = 0
    for n in pagesPer {
      table.append(order[next..<(next + n)].map { Int32($0) })
      next += n
    }
    let row = problem.kvHeads * problem.headDim
    var kc = [Element](repeating: Element(roundingFrom: 0), count: total * pageSize * row)
    var vc = kc
    for b in 0..<problem.batchSize {
      for j in 0..<problem.requests[b].kvLength {
        let src = problem.kvStorageRow(request: b, token: j) * row
        let dst = problem.kvStorageRow(request: b, token: j, pages: (pageSize, table)) * row
        for e in 0..<row {
          kc[dst + e] = k.storage[src + e]
          vc[dst + e] = v.storage[src + e]
        }
      }
    }
    let shape = [total, pageSize, problem.kvHeads, problem.headDim]
    return try AttentionInputs(
      problem: problem, queries: q,
      keyValues: .paged(
        keys: Tensor(shape: shape, storage: kc, name: "k_cache"),
        values: Tensor(shape: shape, storage: vc, name: "v_cache"), pageTable: table))
  }

  /// A permutation of `0..<n` by Fisher–Yates, drawing `j` for position `i`
  /// (from `n − 1` down to 1) as `x0 mod (i + 1)` of Philox block `(i, 0, 4, 0)`.
  public static func shuffled(_ n: Int, seed: UInt64) -> [Int] {
    var a = Array(0..<n)
    let gen = Philox4x32(seed: seed)
    var i = n - 1
    while i > 0 {
      let x = gen.block((UInt32(truncatingIfNeeded: i), 0, Stream.pageShuffle.rawValue, 0))
      let j = Int(x.0 % UInt32(i + 1))
      a.swapAt(i, j)
      i -= 1
    }
    return a
  }

  static func draw<Element: StorageScalar>(
    _ p: AttentionProblem, seed: UInt64, queryScale: Double, keyScale: Double, as _: Element.Type
  ) -> (Tensor<Element>, Tensor<Element>, Tensor<Element>) {
    func tensor(_ stream: Stream, _ shape: [Int], _ sd: Double) -> Tensor<Element> {
      let n = shape.reduce(1, *)
      let values = NormalStream(seed: seed, stream: stream.rawValue).samples(
        n, standardDeviation: sd, as: Element.self)
      return Tensor(uncheckedShape: shape, storage: values)
    }
    return (
      tensor(.queries, [p.totalQueryTokens, p.queryHeads, p.headDim], queryScale),
      tensor(.keys, [p.totalKVTokens, p.kvHeads, p.headDim], keyScale),
      tensor(.values, [p.totalKVTokens, p.kvHeads, p.headDim], 1)
    )
  }
}
