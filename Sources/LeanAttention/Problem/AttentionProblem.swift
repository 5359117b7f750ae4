/// The lengths of one request in a ragged batch.
public struct RequestShape: Hashable, Sendable, Codable {
  /// Query tokens of this request (1 for decode, 0 allowed).
  public var queryLength: Int
  /// Key/value tokens this request attends over (0 allowed).
  public var kvLength: Int

  /// A request of `queryLength` query tokens over `kvLength` KV tokens; the
  /// problem's initializer validates them (both may be 0).
  public init(queryLength: Int, kvLength: Int) {
    self.queryLength = queryLength
    self.kvLength = kvLength
  }
}

/// A validated description of one attention computation over a ragged batch.
///
/// The problem says *what* is computed; tensors come separately in
/// ``AttentionInputs``. For request `b`, query head `h` and query token `i`:
///
///     s_j = scale · q_i · k_j            (then cap · tanh(s_j / cap) with a soft-cap)
///     O_i = Σ_j softmax(s)_j · v_j       over the keys j the mask leaves visible
///     LSE_i = log Σ_j exp(s_j)           (natural log)
///
/// Query head `h` reads KV head `h / (Hq / Hkv)`, so MHA (`Hq == Hkv`), GQA and
/// MQA (`Hkv == 1`) are one case.
///
/// Construction validates every field and throws ``AttentionError`` with a
/// message that says what is allowed; a value of this type is always valid.
public struct AttentionProblem: Hashable, Sendable {
  /// The requests, in the order their tokens are packed.
  public let requests: [RequestShape]
  /// Query heads `Hq`.
  public let queryHeads: Int
  /// Key/value heads `Hkv`; `Hq` is a multiple of it.
  public let kvHeads: Int
  /// Head dimension `D`, 1...512.
  public let headDim: Int
  /// The factor applied to `q · k`; 1/√D unless given.
  public let scale: Double
  /// Which keys each query sees.
  public let mask: AttentionMask
  /// Logit soft-cap `cap`, applied as `cap · tanh(s / cap)` after scaling.
  public let softCap: Double?

  /// Query offsets (`cu_seqlens_q`), `B + 1` entries starting at 0.
  public let queryOffsets: [Int]
  /// KV offsets (`cu_seqlens_k`), `B + 1` entries starting at 0.
  public let kvOffsets: [Int]

  /// The inclusive range of head dimensions this library accepts.
  public static let headDimRange = 1...512

  /// The most tokens (query or KV, over the whole batch), heads, or elements
  /// of one tensor: offsets are `int32` (`cu_seqlens`), as kernels take them.
  public static let maxCount = Int(Int32.max)

  /// Creates and validates a problem.
  ///
  /// - Throws: ``AttentionError`` when a length is negative, the head counts
  ///   are not positive or `Hq % Hkv != 0`, `D` is outside 1...512, the scale
  ///   or soft-cap is not finite and positive, or a window side is negative.
  public init(
    requests: [RequestShape], queryHeads: Int, kvHeads: Int, headDim: Int,
    scale: Double? = nil, mask: AttentionMask = .none, softCap: Double? = nil
  ) throws(AttentionError) {
    for (b, r) in requests.enumerated() {
      if r.queryLength < 0 {
        throw .negativeLength(request: b, which: "query", value: r.queryLength)
      }
      if r.kvLength < 0 { throw .negativeLength(request: b, which: "KV", value: r.kvLength) }
    }
    guard queryHeads >= 1, kvHeads >= 1 else {
      throw .invalidHeadCount(queryHeads: queryHeads, kvHeads: kvHeads)
    }
    guard queryHeads % kvHeads == 0 else {
      throw .headsNotDivisible(queryHeads: queryHeads, kvHeads: kvHeads)
    }
    guard Self.headDimRange.contains(headDim) else { throw .headDimOutOfRange(headDim) }
    let s = scale ?? 1 / Double(headDim).squareRoot()
    guard s.isFinite, s > 0 else { throw .invalidScale(s) }
    if case .slidingWindow(let l, let r) = mask, (l ?? 0) < 0 || (r ?? 0) < 0 {
      throw .invalidWindow(left: l, right: r)
    }
    if let c = softCap, !(c.isFinite && c > 0) { throw .invalidSoftCap(c) }
    try Self.checkSizes(
      requests: requests, queryHeads: queryHeads, kvHeads: kvHeads, headDim: headDim, mask: mask)

    self.requests = requests
    self.queryHeads = queryHeads
    self.kvHeads = kvHeads
    self.headDim = headDim
    self.scale = s
    self.mask = mask
    self.softCap = softCap
    var qo = [0]
    var ko = [0]
    qo.reserveCapacity(requests.count + 1)
    ko.reserveCapacity(requests.count + 1)
    for r in requests {
      // No overflow: checkSizes bounded both sums by Int32.max.
      qo.append(qo[qo.count - 1] + r.queryLength)
      ko.append(ko[ko.count - 1] + r.kvLength)
    }
    self.queryOffsets = qo
    self.kvOffsets = ko
  }

  /// Creates a problem from `cu_seqlens`-style offsets, as varlen kernels take them.
  ///
  /// - Throws: ``AttentionError/invalidOffsets(name:reason:)`` when the arrays
  ///   differ in length, are empty, do not start at 0 or decrease; otherwise
  ///   whatever ``init(requests:queryHeads:kvHeads:headDim:scale:mask:softCap:)`` throws.
  public init(
    queryOffsets: [Int32], kvOffsets: [Int32], queryHeads: Int, kvHeads: Int, headDim: Int,
    scale: Double? = nil, mask: AttentionMask = .none, softCap: Double? = nil
  ) throws(AttentionError) {
    for (name, offsets) in [("cu_seqlens_q", queryOffsets), ("cu_seqlens_k", kvOffsets)] {
      guard let first = offsets.first else {
        throw .invalidOffsets(name: name, reason: "empty; need B + 1 entries starting at 0")
      }
      guard first == 0 else {
        throw .invalidOffsets(name: name, reason: "first entry is \(first); it must be 0")
      }
      for i in 1..<offsets.count where offsets[i] < offsets[i - 1] {
        throw .invalidOffsets(
          name: name,
          reason:
            "entry \(i) (\(offsets[i])) is less than entry \(i - 1) (\(offsets[i - 1])); offsets never decrease"
        )
      }
    }
    guard queryOffsets.count == kvOffsets.count else {
      throw .invalidOffsets(
        name: "cu_seqlens_q/cu_seqlens_k",
        reason:
          "lengths \(queryOffsets.count) and \(kvOffsets.count) differ; both need B + 1 entries")
    }
    let requests = (0..<(queryOffsets.count - 1)).map {
      RequestShape(
        queryLength: Int(queryOffsets[$0 + 1] - queryOffsets[$0]),
        kvLength: Int(kvOffsets[$0 + 1] - kvOffsets[$0]))
    }
    try self.init(
      requests: requests, queryHeads: queryHeads, kvHeads: kvHeads, headDim: headDim,
      scale: scale, mask: mask, softCap: softCap)
  }

  /// Batch size `B`.
  public var batchSize: Int { requests.count }
  /// Query heads that share one KV head, `Hq / Hkv`.
  public var groupSize: Int { queryHeads / kvHeads }
  /// Query tokens over the whole batch.
  public var totalQueryTokens: Int { queryOffsets[queryOffsets.count - 1] }
  /// KV tokens over the whole batch.
  public var totalKVTokens: Int { kvOffsets[kvOffsets.count - 1] }
  /// The longest KV length in the batch.
  public var maxKVLength: Int { requests.map(\.kvLength).max() ?? 0 }
  /// The longest query length in the batch.
  public var maxQueryLength: Int { requests.map(\.queryLength).max() ?? 0 }

  /// The keys visible to query token `i` of request `b`, relative to the request's first key.
  @inlinable
  public func visibleKeys(request b: Int, query i: Int) -> Range<Int> {
    let r = requests[b]
    return mask.visibleKeys(query: i, queryLength: r.queryLength, kvLength: r.kvLength)
  }

  /// The union of the keys visible to query `tokens` of request `b`: the
  /// smallest range holding every token's visible keys, empty (`0..<0`) when
  /// every token is fully masked.
  ///
  /// It is the span of keys a block of these tokens reads; keys in it that a
  /// token does not see are masked row by row.
  ///
  /// - Complexity: O(tokens).
  public func visibleKeys(request b: Int, queries tokens: Range<Int>) -> Range<Int> {
    var lo = Int.max
    var hi = Int.min
    for t in tokens {
      let vis = visibleKeys(request: b, query: t)
      if !vis.isEmpty {
        lo = Swift.min(lo, vis.lowerBound)
        hi = Swift.max(hi, vis.upperBound)
      }
    }
    return lo < hi ? lo..<hi : 0..<0
  }

  /// The flat `[totalQ, Hq]` index of packed row `r` of KV head `h`'s group in
  /// request `b`: token `r / G`, query head `h·G + r % G` (rows are token-major,
  /// the group's heads adjacent). Multiply by `D` for the row's first element in Q or O.
  ///
  /// - Complexity: O(1).
  @inlinable
  public func queryRow(request b: Int, kvHead h: Int, packedRow r: Int) -> Int {
    let g = groupSize
    return (queryOffsets[b] + r / g) * queryHeads + h * g + r % g
  }

  /// Multiply-adds counted as 2 FLOPs, for both products, over visible keys only.
  ///
  /// - Complexity: O(total query tokens).
  public var visibleFlops: Double {
    var visible = 0
    for b in 0..<batchSize {
      for i in 0..<requests[b].queryLength { visible += visibleKeys(request: b, query: i).count }
    }
    return 4 * Double(visible) * Double(headDim) * Double(queryHeads)
  }
}
