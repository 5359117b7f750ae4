extension AttentionProblem {
  /// Checks every size of a problem against ``maxCount`` with overflow-reporting arithmetic.
  ///
  /// Total query and KV tokens, both head counts, window sides, and the element
  /// counts of Q, K/V and O must each be at most `Int32.max`: offsets and
  /// indices are 32-bit in kernels and in the golden format.
  ///
  /// - Throws: ``AttentionError/sizeLimitExceeded(what:size:limit:)``.
  /// - Complexity: O(requests).
  static func checkSizes(
    requests: [RequestShape], queryHeads: Int, kvHeads: Int, headDim: Int, mask: AttentionMask
  ) throws(AttentionError) {
    let limit = "\(maxCount) (Int32.max)"
    func check(_ what: String, _ value: Int?) throws(AttentionError) {
      guard let v = value, v <= maxCount else {
        throw .sizeLimitExceeded(what: what, size: CheckedSize.describe(value), limit: limit)
      }
    }
    try check("query heads", queryHeads)
    try check("KV heads", kvHeads)
    let totalQ = CheckedSize.sum(requests.map(\.queryLength))
    let totalKV = CheckedSize.sum(requests.map(\.kvLength))
    try check("total query tokens", totalQ)
    try check("total KV tokens", totalKV)
    if case .slidingWindow(let l, let r) = mask {
      try check("window left", l ?? 0)
      try check("window right", r ?? 0)
    }
    try check(
      "Q [tokens, Hq, D] elements", CheckedSize.product([totalQ ?? 0, queryHeads, headDim]))
    try check("K [tokens, Hkv, D] elements", CheckedSize.product([totalKV ?? 0, kvHeads, headDim]))
  }

  /// Bytes of Q, K, V and O at `elementBytes` each, plus LSE in `Double`.
  ///
  /// - Returns: `nil` when the count overflows `Int` (it cannot for a valid
  ///   problem and an element of at most 8 bytes).
  public func tensorBytes(elementBytes: Int) -> Int? {
    let q = CheckedSize.product([totalQueryTokens, queryHeads, headDim])
    let kv = CheckedSize.product([totalKVTokens, kvHeads, headDim])
    let lse = CheckedSize.product([totalQueryTokens, queryHeads, 8])
    guard let q, let kv, let lse,
      let elements = CheckedSize.sum([q, q, kv, kv]),
      let bytes = CheckedSize.product([elements, elementBytes])
    else { return nil }
    return CheckedSize.sum([bytes, lse])
  }
}
