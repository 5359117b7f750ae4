extension CanonicalTree {
  /// A text account of how `schedule` runs in canonical-tree order: for each
  /// output tile, its tree, the complete subtrees each CTA emits (with the
  /// merges inside them) and the merges by which the host finishes the tree.
  ///
  /// Tiles are numbered from the output's first visible KV block (`t0` is
  /// block `visibleBlocks.lowerBound`); `[a,b)` is the node over tiles
  /// `a..<b`, and `x ⊕ y` is ``AttentionState/merge(_:_:)``. Only structure is
  /// printed: no states are computed. Outputs past `maxOutputs` are counted,
  /// not shown; trees of more than `maxTreeTiles` tiles are shown by their
  /// height alone.
  ///
  /// - Complexity: O(shown tiles + pieces · height²).
  public static func explanation(
    of schedule: Schedule, maxOutputs: Int = 4, maxTreeTiles: Int = 32
  ) -> String {
    let pieces = schedule.pieces
    var lines: [String] = []
    var shown = 0
    for (o, tile) in schedule.outputs.enumerated() where !pieces[o].isEmpty {
      guard shown < Swift.max(0, maxOutputs) else { break }
      shown += 1
      let tree = CanonicalTree(tiles: tile.visibleBlocks.count)
      let first = tile.visibleBlocks.lowerBound
      lines.append(
        "output \(o) (request \(tile.request), KV head \(tile.kvHead), rows \(tile.rows.lowerBound)..<\(tile.rows.upperBound)): "
          + "\(tree.tiles) tile(s) = KV blocks \(first)..<\(tile.visibleBlocks.upperBound), "
          + "tree of height \(tree.height)")
      if tree.tiles <= maxTreeTiles {
        for level in stride(from: tree.height, through: 0, by: -1) {
          let count = (tree.tiles + (1 << level) - 1) >> level
          let nodes = (0..<count).map { tree.label(Node(level: level, index: $0)) }
          lines.append("  level \(level): " + nodes.joined(separator: " "))
        }
      }
      var emitted: [Node: Range<Int>] = [:]
      for (split, piece) in pieces[o].enumerated() {
        let range = (piece.blocks.lowerBound - first)..<(piece.blocks.upperBound - first)
        let nodes = tree.decomposition(of: range)
        let role = split == 0 ? "host" : "peer, split \(split)"
        lines.append(
          "  CTA \(piece.cta) (\(role)) tiles \(range.lowerBound)..<\(range.upperBound) emits \(nodes.count) state(s):"
        )
        for node in nodes {
          let formula = tree.reduce(
            node, leaf: { "t\($0)" }, merge: { "(\($0) ⊕ \($1))" })
          lines.append("    \(tree.label(node)) = \(formula)")
          emitted[node] = tree.leaves(of: node)
        }
      }
      var steps: [String] = []
      _ = tree.finish(emitted) { l, r in
        steps.append(
          "[\(l.lowerBound),\(r.upperBound)) = [\(l.lowerBound),\(l.upperBound)) ⊕ [\(r.lowerBound),\(r.upperBound))"
        )
        return l.lowerBound..<r.upperBound
      }
      let host = pieces[o][0].cta
      lines.append(
        steps.isEmpty
          ? "  host CTA \(host): the emitted state is the root; no merge"
          : "  host CTA \(host) finishes the tree in canonical order (\(steps.count) merge(s)):")
      lines += steps.map { "    " + $0 }
    }
    let withWork = pieces.filter { !$0.isEmpty }.count
    if withWork > shown { lines.append("… \(withWork - shown) more output tile(s)") }
    return lines.joined(separator: "\n")
  }

  /// `[a,b)`: the tiles a node covers.
  func label(_ node: Node) -> String {
    let r = leaves(of: node)
    return "[\(r.lowerBound),\(r.upperBound))"
  }
}
