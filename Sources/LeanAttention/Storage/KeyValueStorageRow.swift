extension AttentionProblem {
  /// The storage row (of `Hkv · D` elements) that holds token `j` of request `b`.
  ///
  /// Packed varlen (`pages == nil`): row `kvOffsets[b] + j`. Paged: slot
  /// `j % size` of page `table[b][j / size]`, row `page · size + slot`. Every
  /// reader and writer of K/V rows uses this one mapping.
  ///
  /// - Precondition: `j` is a token of request `b` and, when paged, the page
  ///   table has been validated (as ``AttentionInputs`` does).
  /// - Complexity: O(1).
  @inlinable
  public func kvStorageRow(
    request b: Int, token j: Int, pages: (size: Int, table: [[Int32]])? = nil
  ) -> Int {
    guard let pages else { return kvOffsets[b] + j }
    return Int(pages.table[b][j / pages.size]) * pages.size + j % pages.size
  }
}

extension KeyValueLayout {
  /// The page size and table of a paged layout; `nil` when contiguous.
  @inlinable
  public var pages: (size: Int, table: [[Int32]])? {
    switch self {
    case .contiguous: return nil
    case .paged(let k, _, let table): return (k.shape[1], table)
    }
  }
}
