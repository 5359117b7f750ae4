import LeanAttention

/// What the invariant (canonical-tree) kernels read beside a ``ScheduleUpload``.
///
/// Every piece of an output emits the states of the complete subtrees of the
/// output's `CanonicalTree` inside its range (`CanonicalTree.decomposition(of:)`);
/// node `j` of an output, in KV order, goes to partial slot `j` — the slot
/// order of `GoldenWriter.addCanonicalTree`'s `tree_o`.
///
/// - `outputs [tiles, 3]`: (first visible block, tile count, emitted nodes);
/// - `segmentSlots [n]`: the first slot of each uploaded segment;
/// - `nodes [tiles, maxSlots, 2]`: (level, index) of each emitted node, for the
///   host or the combine pass that finishes the tree.
public struct TreeUpload: Hashable, Sendable {
  /// `[tiles, 3]`: each output's first visible block, tile count and number
  /// of emitted nodes.
  public var outputs: [Int32]
  /// `[n]`: the partial slot of each uploaded segment's first emitted node.
  public var segmentSlots: [Int32]
  /// `[tiles, maxSlots, 2]`: the level and index of each emitted node, in KV
  /// order, for the host or the combine pass that finishes the tree.
  public var nodes: [Int32]
  /// The most nodes any output emits (at least 1): the partial buffers' first dimension.
  public var maxSlots: Int
  /// Stack entries a CTA needs: the tallest tree's height + 1.
  public var depth: Int

  /// The deepest stack the kernels keep (`LA_TREE_DEPTH` in `decode.cu`).
  public static let maxDepth = 24

  /// The tree arrays of `schedule`, whose segments `upload` flattened.
  ///
  /// - Throws: ``CUDAError/unsupported(_:)`` when a tree is taller than
  ///   ``maxDepth`` − 1 (more than 2²³ tiles in one output).
  /// - Complexity: O(segments · height²).
  public init(_ schedule: Schedule, upload: ScheduleUpload) throws(CUDAError) {
    let trees = schedule.outputs.map { CanonicalTree(tiles: $0.visibleBlocks.count) }
    let height = trees.map(\.height).max() ?? 0
    guard height + 1 <= Self.maxDepth else {
      throw .unsupported(
        "an output of \(trees.map(\.tiles).max() ?? 0) tiles: the invariant mode takes trees of height at most \(Self.maxDepth - 1)"
      )
    }
    depth = height + 1
    // Each piece's nodes, pieces in KV order: a piece's first slot is the
    // count of nodes before it.
    var firstSlot: [[Int]] = []
    var perOutput: [[CanonicalTree.Node]] = []
    for (o, pieces) in schedule.pieces.enumerated() {
      let base = schedule.outputs[o].visibleBlocks.lowerBound
      var slots: [Int] = []
      var nodes: [CanonicalTree.Node] = []
      for piece in pieces {
        slots.append(nodes.count)
        nodes += trees[o].decomposition(
          of: (piece.blocks.lowerBound - base)..<(piece.blocks.upperBound - base))
      }
      firstSlot.append(slots)
      perOutput.append(nodes)
    }
    maxSlots = max(1, perOutput.map(\.count).max() ?? 0)
    outputs = []
    nodes = [Int32](repeating: 0, count: schedule.outputs.count * maxSlots * 2)
    for (o, tile) in schedule.outputs.enumerated() {
      outputs += [tile.visibleBlocks.lowerBound, trees[o].tiles, perOutput[o].count].map {
        Int32(clamping: $0)
      }
      for (j, node) in perOutput[o].enumerated() {
        nodes[(o * maxSlots + j) * 2] = Int32(node.level)
        nodes[(o * maxSlots + j) * 2 + 1] = Int32(clamping: node.index)
      }
    }
    let splits = upload.splits
    segmentSlots = (0..<splits.count).map { s in
      let output = Int(upload.segments[4 * s])
      return Int32(firstSlot[output][splits[s]])
    }
  }
}
