/// Where the keys and values of a batch live.
public enum KeyValueLayout<Element: StorageScalar>: Sendable {
  /// Packed varlen: K and V are `[totalKV, Hkv, D]`, request `b` at tokens
  /// `kvOffsets[b] ..< kvOffsets[b + 1]`.
  case contiguous(keys: Tensor<Element>, values: Tensor<Element>)
  /// A paged cache: K and V are `[pages, pageSize, Hkv, D]`; token `j` of
  /// request `b` sits in page `pageTable[b][j / pageSize]`, slot `j % pageSize`.
  case paged(keys: Tensor<Element>, values: Tensor<Element>, pageTable: [[Int32]])
}

/// A problem together with its Q, K and V tensors, checked against each other.
///
/// Q is packed varlen and token-major, `[totalQ, Hq, D]`.
public struct AttentionInputs<Element: StorageScalar>: Sendable {
  /// The validated problem.
  public let problem: AttentionProblem
  /// Queries `[totalQ, Hq, D]`.
  public let queries: Tensor<Element>
  /// Keys and values.
  public let keyValues: KeyValueLayout<Element>

  /// Checks the tensors' shapes and the page table against the problem.
  ///
  /// - Throws: ``AttentionError/shapeMismatch(tensor:expected:actual:)`` when a
  ///   tensor's shape is wrong; ``AttentionError/invalidPageTable(reason:)`` when
  ///   the page size is 0, a request has too few pages, or a page index is out of range.
  public init(
    problem: AttentionProblem, queries: Tensor<Element>, keyValues: KeyValueLayout<Element>
  ) throws(AttentionError) {
    let p = problem
    try queries.requireShape([p.totalQueryTokens, p.queryHeads, p.headDim], name: "q")
    switch keyValues {
    case .contiguous(let k, let v):
      try k.requireShape([p.totalKVTokens, p.kvHeads, p.headDim], name: "k")
      try v.requireShape([p.totalKVTokens, p.kvHeads, p.headDim], name: "v")
    case .paged(let k, let v, let table):
      guard k.shape.count == 4 else {
        throw .shapeMismatch(
          tensor: "k_cache", expected: [-1, -1, p.kvHeads, p.headDim], actual: k.shape)
      }
      let pages = k.shape[0]
      let pageSize = k.shape[1]
      try k.requireShape([pages, pageSize, p.kvHeads, p.headDim], name: "k_cache")
      try v.requireShape([pages, pageSize, p.kvHeads, p.headDim], name: "v_cache")
      guard pageSize >= 1 else {
        throw .invalidPageTable(reason: "page size is 0; it must be at least 1")
      }
      guard table.count == p.batchSize else {
        throw .invalidPageTable(
          reason:
            "page table has \(table.count) rows for \(p.batchSize) requests; one row per request")
      }
      for (b, row) in table.enumerated() {
        let need = (p.requests[b].kvLength + pageSize - 1) / pageSize
        guard row.count >= need else {
          throw .invalidPageTable(
            reason:
              "request \(b) has \(p.requests[b].kvLength) tokens and needs \(need) pages, but its row lists \(row.count)"
          )
        }
        for (j, page) in row.prefix(need).enumerated() where page < 0 || Int(page) >= pages {
          throw .invalidPageTable(
            reason: "request \(b), entry \(j): page \(page) is outside 0..<\(pages)")
        }
      }
    }
    self.problem = problem
    self.queries = queries
    self.keyValues = keyValues
  }

  /// Creates contiguous inputs.
  public init(
    problem: AttentionProblem, queries: Tensor<Element>, keys: Tensor<Element>,
    values: Tensor<Element>
  ) throws(AttentionError) {
    try self.init(
      problem: problem, queries: queries, keyValues: .contiguous(keys: keys, values: values))
  }

  /// The storage index of element 0 of the key (and value) row of token `j`
  /// of request `b`, KV head `g`.
  ///
  /// - Complexity: O(1).
  @inlinable
  public func kvRowIndex(request b: Int, token j: Int, kvHead g: Int) -> Int {
    let p = problem
    return (p.kvStorageRow(request: b, token: j, pages: keyValues.pages) * p.kvHeads + g)
      * p.headDim
  }

  /// The key and value storage arrays.
  public var keyValueStorage: (keys: [Element], values: [Element]) {
    switch keyValues {
    case .contiguous(let k, let v): return (k.storage, v.storage)
    case .paged(let k, let v, _): return (k.storage, v.storage)
    }
  }

  /// The same inputs with every tensor rounded to another storage type.
  public func converted<Other: StorageScalar>(to: Other.Type) -> AttentionInputs<Other> {
    let kv: KeyValueLayout<Other>
    switch keyValues {
    case .contiguous(let k, let v): kv = .contiguous(keys: k.converted(), values: v.converted())
    case .paged(let k, let v, let t):
      kv = .paged(keys: k.converted(), values: v.converted(), pageTable: t)
    }
    return AttentionInputs<Other>(unchecked: problem, queries: queries.converted(), keyValues: kv)
  }

  /// Internal initializer for inputs derived from already-validated ones.
  package init(
    unchecked problem: AttentionProblem, queries: Tensor<Element>,
    keyValues: KeyValueLayout<Element>
  ) {
    self.problem = problem
    self.queries = queries
    self.keyValues = keyValues
  }
}
