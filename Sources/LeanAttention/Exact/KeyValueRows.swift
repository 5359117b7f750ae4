/// Where the key and value rows of one request's KV head lie in storage.
///
/// Token `j`'s row starts at element ``offset(_:)`` of both the key and the
/// value storage: `first + j · stride` in a packed layout, or the row's slot
/// in its page for a paged cache.
struct KeyValueRows<Element: StorageScalar>: @unchecked Sendable {
  let keys: UnsafePointer<Element>
  let values: UnsafePointer<Element>
  /// Packed: the element offset of token 0's row. Paged: the head's offset within a token's row.
  let first: Int
  /// Elements from one token's row to the next (packed), or one slot's size (paged).
  let stride: Int
  /// The request's page table, or nil for a packed layout.
  let pages: [Int32]?
  let pageSize: Int

  /// A packed (strided) panel.
  init(keys: UnsafePointer<Element>, values: UnsafePointer<Element>, first: Int, stride: Int) {
    self.keys = keys
    self.values = values
    self.first = first
    self.stride = stride
    pages = nil
    pageSize = 1
  }

  /// The rows of request `b`, KV head `h` of `layout`, whose storage `keys`/`values` point to.
  init(
    _ p: AttentionProblem, request b: Int, kvHead h: Int, layout: KeyValueLayout<Element>,
    keys: UnsafePointer<Element>, values: UnsafePointer<Element>
  ) {
    let row = p.kvHeads * p.headDim
    self.keys = keys
    self.values = values
    stride = row
    switch layout {
    case .contiguous:
      first = p.kvOffsets[b] * row + h * p.headDim
      pages = nil
      pageSize = 1
    case .paged(let k, _, let table):
      first = h * p.headDim
      pages = table[b]
      pageSize = k.shape[1]
    }
  }

  /// The element offset of token `j`'s row.
  @inline(__always)
  func offset(_ j: Int) -> Int {
    guard let pages else { return first + j * stride }
    return (Int(pages[j / pageSize]) * pageSize + j % pageSize) * stride + first
  }
}
