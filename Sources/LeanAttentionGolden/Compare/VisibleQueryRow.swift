import LeanAttention

/// One query token that sees at least one key: what the comparison's
/// emulations and estimates loop over.
struct VisibleQueryRow: Hashable, Sendable {
  /// The request.
  var request: Int
  /// The query within the request.
  var query: Int
  /// The packed token index (`queryOffsets[request] + query`).
  var token: Int
  /// The keys it sees (not empty).
  var keys: Range<Int>
}

extension AttentionProblem {
  /// Every query token that sees a key, in token order, with its keys.
  ///
  /// - Complexity: O(total query tokens).
  func visibleQueryRows() -> [VisibleQueryRow] {
    var rows: [VisibleQueryRow] = []
    for b in 0..<batchSize {
      for i in 0..<requests[b].queryLength {
        let keys = visibleKeys(request: b, query: i)
        if !keys.isEmpty {
          rows.append(VisibleQueryRow(request: b, query: i, token: queryOffsets[b] + i, keys: keys))
        }
      }
    }
    return rows
  }
}
