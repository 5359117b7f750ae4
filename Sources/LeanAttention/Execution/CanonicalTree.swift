/// The canonical reduction tree over the KV tiles of one output tile: the
/// order of merges that makes attention the same bits under every partition.
///
/// The tiles of an output are numbered `0..<tiles` in KV order (tile `t` is
/// visible block `visibleBlocks.lowerBound + t`). The tree is the perfect
/// binary tree over `2^height` leaves, `height = ⌈log₂ tiles⌉`, with the
/// leaves past `tiles` left out: node `(level, index)` covers tiles
/// `[index · 2^level, min((index + 1) · 2^level, tiles))`, its children are
/// `(level − 1, 2·index)` and `(level − 1, 2·index + 1)`, and a child that
/// covers no tile is absent. The value of a node is
///
///     leaf t:                 the state of tile t (one fixed-order block)
///     two children l, r:      merge(value(l), value(r))
///     only a left child l:    value(l)
///
/// Nodes are aligned to powers of two, so the complete subtrees inside any
/// contiguous range `[a, b)` are found greedily from `a` (the segment tree's
/// decomposition), there are at most `max(1, 2·height − 2)` of them, and a
/// node's identity does not depend on who computes it. The tree depends on
/// the tile count alone; see `Docs/PartitionInvariance.md`.
public struct CanonicalTree: Hashable, Sendable {
  /// One node: the tiles `[index · 2^level, min((index + 1) · 2^level, tiles))`.
  public struct Node: Hashable, Sendable, Codable, Comparable {
    /// 0 for a tile; the root is at ``CanonicalTree/height``.
    public var level: Int
    /// The node's position among the nodes of its level, in KV order.
    public var index: Int

    /// The node at `level` (0 for a tile) and position `index` in KV order.
    public init(level: Int, index: Int) {
      self.level = level
      self.index = index
    }

    /// KV order, then the larger node first: the order a host reads emitted nodes in.
    public static func < (a: Node, b: Node) -> Bool {
      let (sa, sb) = (a.index << a.level, b.index << b.level)
      return sa != sb ? sa < sb : a.level > b.level
    }
  }

  /// The number of tiles (leaves).
  public let tiles: Int
  /// `⌈log₂ tiles⌉`: the root's level (0 for one tile or none).
  public let height: Int

  /// The tree over `tiles` leaves; a negative count is read as 0.
  public init(tiles: Int) {
    self.tiles = Swift.max(0, tiles)
    height = self.tiles <= 1 ? 0 : Int.bitWidth - (self.tiles - 1).leadingZeroBitCount
  }

  /// The root, or `nil` when there are no tiles.
  public var root: Node? { tiles == 0 ? nil : Node(level: height, index: 0) }

  /// Whether `node` covers at least one tile of this tree.
  public func contains(_ node: Node) -> Bool {
    node.level >= 0 && node.level <= height && node.index >= 0
      && node.index < (tiles + (1 << node.level) - 1) >> node.level
  }

  /// The tiles a node covers, in KV order.
  public func leaves(of node: Node) -> Range<Int> {
    (node.index << node.level)..<Swift.min((node.index + 1) << node.level, tiles)
  }

  /// The left child and, when it covers a tile, the right child; `nil` for a leaf.
  public func children(of node: Node) -> (left: Node, right: Node?)? {
    guard node.level > 0 else { return nil }
    let left = Node(level: node.level - 1, index: 2 * node.index)
    let right = Node(level: node.level - 1, index: 2 * node.index + 1)
    return (left, contains(right) ? right : nil)
  }

  /// The largest nodes that lie inside `range`, in KV order: the complete
  /// subtrees a CTA owning those tiles emits.
  ///
  /// Greedy from the range's start: take the highest node that starts there
  /// and ends inside the range. `range` is clamped to `0..<tiles`.
  ///
  /// - Complexity: O(height²), at most `max(1, 2·height − 2)` nodes.
  public func decomposition(of range: Range<Int>) -> [Node] {
    let end = Swift.min(range.upperBound, tiles)
    var i = Swift.max(0, range.lowerBound)
    var nodes: [Node] = []
    while i < end {
      var k = 0
      while k < height, i & ((1 << (k + 1)) - 1) == 0,
        Swift.min(i + (1 << (k + 1)), tiles) <= end
      {
        k += 1
      }
      nodes.append(Node(level: k, index: i >> k))
      i = Swift.min(i + (1 << k), tiles)
    }
    return nodes
  }

  /// The value of `node`, from the values of its tiles, by the tree's definition.
  ///
  /// Leaves are asked for in KV order, each once; at most `height + 1`
  /// values are alive at a time (a CTA's stack of partial states).
  /// - Complexity: one `leaf` call per tile of the node, one `merge` per
  ///   node with two children.
  public func reduce<State>(
    _ node: Node, leaf: (Int) throws -> State, merge: (State, State) throws -> State
  ) rethrows -> State {
    guard let (left, right) = children(of: node) else { return try leaf(node.index) }
    let l = try reduce(left, leaf: leaf, merge: merge)
    guard let right else { return l }
    return try merge(l, try reduce(right, leaf: leaf, merge: merge))
  }

  /// Finishes the tree from emitted node values: the root's value, merging
  /// in canonical order whatever nodes the emitters chose.
  ///
  /// A node found in `emitted` is taken as is; any other node is the merge of
  /// its children's values. Returns `nil` when the emitted nodes leave a tile
  /// uncovered (or there are no tiles).
  /// - Complexity: one `merge` per node with two children above the emitted ones.
  public func finish<State>(_ emitted: [Node: State], merge: (State, State) -> State) -> State? {
    guard let root else { return nil }
    func value(_ node: Node) -> State? {
      if let state = emitted[node] { return state }
      guard let (left, right) = children(of: node), let l = value(left) else { return nil }
      guard let right else { return l }
      guard let r = value(right) else { return nil }
      return merge(l, r)
    }
    return value(root)
  }
}
