import LeanAttention

extension DecodeBenchmark {
  /// The decode problem `leanattn bench cuda` times: one query token per
  /// request, KV lengths from `contexts`, a causal mask and the default
  /// softmax scale `1/√D`.
  ///
  /// - Parameters:
  ///   - contexts: The requests' KV lengths.
  ///   - queryHeads: Query heads `Hq`.
  ///   - kvHeads: KV heads `Hkv` (a divisor of `queryHeads`).
  ///   - headDim: The head dimension `D`.
  /// - Throws: what ``Contexts/lengths()`` throws;
  ///   ``DecodeBenchmarkError/invalidWorkload(_:)`` for heads or a head
  ///   dimension `AttentionProblem` refuses; ``DecodeBenchmarkError/unsupported(_:)``
  ///   for a problem the decode kernels do not run (a head dimension other than
  ///   64, 128 or 256, more query heads per KV head than
  ///   ``DecodeSupport/maxGroupSize``, more than
  ///   `Int32.max` rows or KV tokens).
  /// - Complexity: O(requests).
  public static func workload(
    _ contexts: Contexts, queryHeads: Int, kvHeads: Int, headDim: Int
  ) throws(DecodeBenchmarkError) -> AttentionProblem {
    let lengths = try contexts.lengths()
    let p: AttentionProblem
    do {
      p = try AttentionProblem(
        requests: lengths.map { RequestShape(queryLength: 1, kvLength: $0) },
        queryHeads: queryHeads, kvHeads: kvHeads, headDim: headDim, mask: .causal())
    } catch {
      throw .invalidWorkload(error)
    }
    if let why = DecodeSupport.unsupportedReason(p) { throw .unsupported(why) }
    return p
  }
}
