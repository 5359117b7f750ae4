import LeanAttention
import LeanAttentionCUDA
import Testing

@Suite("Invariant-mode upload (no GPU needed)")
struct TreeUploadTests {
  /// The maximal aligned nodes inside `[a, b)` of a tree over `n` tiles, by
  /// brute force over every node: inside the range, and its parent not.
  static func maximalNodes(_ a: Int, _ b: Int, tiles n: Int) -> [(level: Int, index: Int)] {
    var height = 0
    while 1 << height < n { height += 1 }
    func span(_ k: Int, _ i: Int) -> Range<Int> { (i << k)..<min((i + 1) << k, n) }
    func inside(_ k: Int, _ i: Int) -> Bool {
      let s = span(k, i)
      return !s.isEmpty && s.lowerBound >= a && s.upperBound <= b
    }
    var out: [(Int, Int)] = []
    for k in 0...height {
      for i in 0..<((n + (1 << k) - 1) >> k) where inside(k, i) {
        if k < height && inside(k + 1, i / 2) { continue }
        // A lower node with the same tiles is not maximal either.
        if k < height, span(k + 1, i / 2) == span(k, i) { continue }
        out.append((k, i))
      }
    }
    return out.sorted { ($0.1 << $0.0) < ($1.1 << $1.0) }
  }

  /// Slots and nodes against the brute-force decomposition: every output's
  /// nodes, in KV order, tile its visible blocks exactly once, and each
  /// segment starts at the slot after the nodes of the pieces before it.
  @Test func slotsAndNodesFollowTheBruteForceDecomposition() throws {
    let problem = try AttentionProblem(
      requests: [1, 700, 0, 3000, 129, 9000].map { RequestShape(queryLength: 1, kvLength: $0) },
      queryHeads: 8, kvHeads: 2, headDim: 64, mask: .causal())
    for kind in PartitionerKind.allCases {
      for sms in [1, 7, 66, 132, 264] {
        let schedule = try kind.make(blockN: 64).schedule(
          problem, on: try DeviceModel(smCount: sms, ctasPerSM: sms == 66 ? 2 : 1))
        let upload = try ScheduleUpload(schedule, problem: problem)
        let tree = try TreeUpload(schedule, upload: upload)
        var expected: [[(level: Int, index: Int)]] = []
        for (o, tile) in schedule.outputs.enumerated() {
          let n = tile.visibleBlocks.count
          var nodes: [(level: Int, index: Int)] = []
          for piece in schedule.pieces[o] {
            let a = piece.blocks.lowerBound - tile.visibleBlocks.lowerBound
            nodes += Self.maximalNodes(a, a + piece.blocks.count, tiles: n)
          }
          expected.append(nodes)
          #expect(Int(tree.outputs[3 * o]) == tile.visibleBlocks.lowerBound)
          #expect(Int(tree.outputs[3 * o + 1]) == n)
          #expect(Int(tree.outputs[3 * o + 2]) == nodes.count, "\(kind) sm\(sms) output \(o)")
          for (j, node) in nodes.enumerated() {
            #expect(Int(tree.nodes[(o * tree.maxSlots + j) * 2]) == node.level)
            #expect(Int(tree.nodes[(o * tree.maxSlots + j) * 2 + 1]) == node.index)
          }
          // The nodes cover 0..<n once, in order.
          var next = 0
          for node in nodes {
            #expect(node.index << node.level == next)
            next = min((node.index + 1) << node.level, n)
          }
          #expect(next == n || schedule.pieces[o].isEmpty)
        }
        #expect(tree.maxSlots == max(1, expected.map(\.count).max() ?? 0))
        var height = 0
        for tile in schedule.outputs {
          while 1 << height < tile.visibleBlocks.count { height += 1 }
        }
        #expect(tree.depth == height + 1)
        // Segment slots: nodes of the output's earlier pieces.
        let flat = upload.ctas.flatMap { $0 }
        #expect(flat.count == tree.segmentSlots.count)
        for (segment, slot) in zip(flat, tree.segmentSlots) {
          let tile = schedule.outputs[segment.output]
          let n = tile.visibleBlocks.count
          let before = flat.filter {
            $0.output == segment.output && $0.blocks.lowerBound < segment.blocks.lowerBound
          }.map { s in
            let a = s.blocks.lowerBound - tile.visibleBlocks.lowerBound
            return Self.maximalNodes(a, a + s.blocks.count, tiles: n).count
          }.reduce(0, +)
          #expect(Int(slot) == before, "\(kind) sm\(sms)")
        }
      }
    }
  }

  /// A tree too tall for the kernels' stack is refused with a reason.
  @Test func tallTreesAreRefused() throws {
    let problem = try AttentionProblem(
      requests: [RequestShape(queryLength: 1, kvLength: (1 << 23) + 2)], queryHeads: 1,
      kvHeads: 1, headDim: 64, mask: .causal())
    let schedule = try PerHeadPartitioner(blockN: 1).schedule(problem, on: .h100)
    let upload = try ScheduleUpload(schedule, problem: problem)
    #expect(throws: CUDAError.self) { try TreeUpload(schedule, upload: upload) }
  }
}
