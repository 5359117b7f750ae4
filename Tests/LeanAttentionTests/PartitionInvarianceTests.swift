import Foundation
import LeanAttention
import LeanAttentionGolden
import PropertyBased
import TestSupport
import Testing

/// The canonical reduction tree (`Docs/PartitionInvariance.md`): the same bits
/// for every schedule, SM count and batch.
@Suite("Partition invariance: the canonical reduction tree")
struct PartitionInvarianceTests {
  /// The canonical tree written from its definition, independently of
  /// `CanonicalTree`: the node over `[start, start + 2^level)` of an `n`-tile
  /// output is its only child when the right half holds no tile, else the
  /// merge of its halves.
  static func definition<State>(
    n: Int, start: Int = 0, level: Int? = nil, leaf: (Int) -> State,
    merge: (State, State) -> State
  ) -> State {
    var k = level ?? 0
    if level == nil { while (1 << k) < n { k += 1 } }
    if k == 0 { return leaf(start) }
    let mid = start + (1 << (k - 1))
    let left = definition(n: n, start: start, level: k - 1, leaf: leaf, merge: merge)
    if mid >= n { return left }
    return merge(left, definition(n: n, start: mid, level: k - 1, leaf: leaf, merge: merge))
  }

  /// Random cuts of `0..<n`: the ranges of a partition into contiguous pieces.
  static func randomCuts(_ n: Int, pieces: Int, _ r: inout PhiloxDraws) -> [Range<Int>] {
    guard n > 0 else { return [] }
    var cuts = Set([0, n])
    for _ in 0..<Swift.max(0, pieces - 1) { cuts.insert(r.next(below: n + 1)) }
    let sorted = cuts.sorted()
    return zip(sorted, sorted.dropFirst()).map { $0..<$1 }
  }

  // MARK: The tree on its own

  @Test("Decompositions cover the range with maximal nodes, at most max(1, 2h − 2) of them")
  func decomposition() async {
    let input = zip(Gen.int(in: 0...5000), Gen.uint64(in: 0...UInt64.max))
    await propertyCheck(count: 400, input: input) { n, seed in
      var r = PhiloxDraws(seed: seed, stream: 7)
      let tree = CanonicalTree(tiles: n)
      var h = 0
      while (1 << h) < n { h += 1 }
      #expect(tree.height == h)
      let a = r.next(below: n + 1)
      let b = a + r.next(below: n - a + 1)
      let nodes = tree.decomposition(of: a..<b)
      var next = a
      for node in nodes {
        let leaves = tree.leaves(of: node)
        #expect(leaves.lowerBound == next && !leaves.isEmpty)
        next = leaves.upperBound
        // Maximal: the parent reaches outside the range (or there is none).
        if node.level < tree.height {
          let parent = tree.leaves(of: .init(level: node.level + 1, index: node.index / 2))
          #expect(parent.lowerBound < a || parent.upperBound > b, "\(node) in \(a)..<\(b)")
        }
      }
      #expect(next == b)
      #expect(nodes.count <= max(1, 2 * h - 2), "\(nodes.count) nodes for \(a)..<\(b) of \(n)")
    }
  }

  @Test("Finishing the tree from any partition's nodes gives the definition's expression")
  func finishIsTheDefinition() async {
    let input = zip(Gen.int(in: 1...700), Gen.int(in: 1...40), Gen.uint64(in: 0...UInt64.max))
    await propertyCheck(count: 150, input: input) { n, pieces, seed in
      var r = PhiloxDraws(seed: seed, stream: 7)
      let tree = CanonicalTree(tiles: n)
      let leaf = { (t: Int) in "t\(t)" }
      let merge = { (a: String, b: String) in "(\(a)+\(b))" }
      let expected = Self.definition(n: n, leaf: leaf, merge: merge)
      var emitted: [CanonicalTree.Node: String] = [:]
      for range in Self.randomCuts(n, pieces: pieces, &r) {
        for node in tree.decomposition(of: range) {
          emitted[node] = tree.reduce(node, leaf: leaf, merge: merge)
        }
      }
      #expect(tree.finish(emitted, merge: merge) == expected)
      // Dropping any emitted node leaves a hole.
      if let drop = emitted.keys.first {
        emitted[drop] = nil
        #expect(tree.finish(emitted, merge: merge) == nil)
      }
    }
    #expect(CanonicalTree(tiles: 0).root == nil)
    #expect(CanonicalTree(tiles: 0).finish([:], merge: { (a: Int, _: Int) in a }) == nil)
  }

  // MARK: Attention

  /// Random workloads: ragged (KV lengths 0 … 10⁵), GQA, causal and window
  /// masks, small head dims, SM counts 1 … 300 and 1–2 CTAs per SM.
  let workloads = zip(
    Gen.int(in: 1...3), Gen.element(of: [0, 3, 40, 700, 5000, 100_000]), Gen.int(in: 0...3),
    Gen.int(in: 1...2), Gen.int(in: 0...2), Gen.element(of: [4, 8, 16]),
    Gen.int(in: 0...3), Gen.int(in: 1...300), Gen.uint64(in: 0...UInt64.max)
  ).map {
    batch, maxKV, maxQ, hkv, gpow, d, maskKind, sms, seed -> Workload in
    let maxKV = maxKV ?? 0
    var r = PhiloxDraws(seed: seed, stream: 7)
    var reqs: [RequestShape] = []
    for _ in 0..<batch {
      reqs.append(
        RequestShape(queryLength: r.next(below: maxQ + 1), kvLength: r.next(below: maxKV + 1)))
    }
    let mask: AttentionMask =
      switch maskKind {
      case 1: .causal()
      case 2: .causal(.topLeft)
      case 3:
        .slidingWindow(
          left: r.next(below: maxKV / 2 + 2), right: r.next(below: 3) == 0 ? nil : r.next(below: 5))
      default: .none
      }
    let p = try! AttentionProblem(
      requests: reqs, queryHeads: hkv << gpow, kvHeads: hkv, headDim: d ?? 8, mask: mask)
    // Short lengths get small tiles, so their trees have depth too.
    let blockN = maxKV <= 700 ? [1, 3, 16][r.next(below: 3)] : [64, 256][r.next(below: 2)]
    return Workload(
      problem: p, device: try! DeviceModel(smCount: sms, ctasPerSM: 1 + r.next(below: 2)),
      blockN: blockN, seed: seed)
  }

  struct Workload: Sendable, CustomStringConvertible {
    var problem: AttentionProblem
    var device: DeviceModel
    var blockN: Int
    var seed: UInt64
    var description: String {
      "\(problem.requests.map { ($0.queryLength, $0.kvLength) }) Hq \(problem.queryHeads) Hkv \(problem.kvHeads) D \(problem.headDim) \(problem.mask) blockN \(blockN) SMs \(device.smCount)×\(device.ctasPerSM)"
    }
  }

  /// A schedule of random pieces on random CTAs: a user's own partitioner.
  static func randomSchedule(_ p: AttentionProblem, blockN: Int, seed: UInt64) throws -> Schedule {
    var r = PhiloxDraws(seed: seed ^ 0x9E37_79B9_7F4A_7C15, stream: 7)
    let space = try LeanTileSpace(problem: p, blockN: blockN)
    let grid = 1 + r.next(below: 50)
    var ctas = [[Segment]](repeating: [], count: grid)
    for (o, tile) in space.outputs.enumerated() {
      let first = tile.visibleBlocks.lowerBound
      for range in randomCuts(tile.visibleBlocks.count, pieces: 1 + r.next(below: 12), &r) {
        ctas[r.next(below: grid)].append(
          Segment(output: o, blocks: (first + range.lowerBound)..<(first + range.upperBound)))
      }
    }
    return Schedule(
      partitioner: "random", device: .h100, blockN: space.blockN, outputs: space.outputs,
      ctas: ctas,
      reduction: .combinePass)
  }

  static func bitPatterns(_ x: AttentionOutput<Double>) -> [UInt64] {
    (x.output.storage + x.logSumExp.storage).map(\.bitPattern)
  }

  @Test("Bitwise equal to the unsplit tree under every partitioner, SM count and random cut")
  func bitwiseAcrossPartitions() async {
    await propertyCheck(count: 20, input: workloads) { w in
      let p = w.problem
      let x = SeededInputs.contiguous(p, seed: w.seed, as: Float16.self)
      let unsplit = try ScheduleExecutor.runCanonicalTree(
        PerHeadPartitioner(blockN: w.blockN).schedule(p, on: w.device), on: x, in: Double.self)
      let reference = Self.bitPatterns(unsplit.result)
      var schedules = try PartitionerKind.allCases.map {
        try $0.make(blockN: w.blockN).schedule(p, on: w.device)
      }
      schedules.append(
        try FixedSplitPartitioner(numSplits: 7, blockN: w.blockN).schedule(p, on: w.device))
      schedules.append(try Self.randomSchedule(p, blockN: w.blockN, seed: w.seed))
      for s in schedules {
        let run = try ScheduleExecutor.runCanonicalTree(s, on: x, in: Double.self)
        #expect(Self.bitPatterns(run.result) == reference, "\(s.partitioner): \(w)")
        // Each piece emits at most max(1, 2h − 2) states.
        for (o, list) in run.nodes.enumerated() {
          let h = run.tree(output: o).height
          for split in Set(list.map(\.split)) {
            #expect(list.filter { $0.split == split }.count <= max(1, 2 * h - 2))
          }
        }
      }
      // The unsplit run emits exactly the roots.
      #expect(unsplit.nodes.allSatisfy { $0.count <= 1 })
    }
  }

  @Test("The library's tree is the definition: one piece per tile, merged by the test's own tree")
  func leavesMergedByDefinition() async {
    await propertyCheck(count: 12, input: workloads) { w in
      let p = w.problem
      let x = SeededInputs.contiguous(p, seed: w.seed, as: Float16.self)
      let space = try LeanTileSpace(problem: p, blockN: w.blockN)
      // Every tile its own CTA: every emitted node covers one tile (a leaf, or
      // a last tile's ancestors that have no right child).
      var ctas: [[Segment]] = []
      for (o, tile) in space.outputs.enumerated() {
        for k in tile.visibleBlocks { ctas.append([Segment(output: o, blocks: k..<(k + 1))]) }
      }
      let s = Schedule(
        partitioner: "one-tile-per-cta", device: w.device, blockN: space.blockN,
        outputs: space.outputs, ctas: ctas,
        reduction: .combinePass)
      let run = try ScheduleExecutor.runCanonicalTree(s, on: x, in: Double.self)
      let unsplit = try ScheduleExecutor.attention(
        PerHeadPartitioner(blockN: w.blockN).schedule(p, on: w.device), on: x, in: Double.self,
        arithmetic: .fixedOrder, reduction: .canonicalTree)
      let d = p.headDim
      for (o, tile) in space.outputs.enumerated() where !tile.visibleBlocks.isEmpty {
        let leaves = run.nodes[o]
        let tree = CanonicalTree(tiles: tile.visibleBlocks.count)
        #expect(leaves.map { tree.leaves(of: $0.node) } == (0..<leaves.count).map { $0..<($0 + 1) })
        let root = Self.definition(
          n: leaves.count, leaf: { leaves[$0].states },
          merge: { a, b in zip(a, b).map { AttentionState.merge($0, $1) } })
        for (r, state) in zip(tile.rows, root) {
          let row = tile.queryRow(r, in: p)
          #expect(state.logSumExp.bitPattern == unsplit.logSumExp.storage[row].bitPattern)
          #expect(
            state.output.map(\.bitPattern)
              == unsplit.output.storage[(row * d)..<(row * d + d)].map(\.bitPattern))
        }
      }
    }
  }

  @Test("The same request gives the same bits in batches of any composition")
  func batchComposition() async {
    let input = zip(
      Gen.int(in: 0...3), Gen.int(in: 0...3), Gen.int(in: 1...300), Gen.uint64(in: 0...UInt64.max))
    await propertyCheck(count: 15, input: input) { before, after, sms, seed in
      var r = PhiloxDraws(seed: seed, stream: 7)
      let maxKV = [5, 300, 20_000, 100_000][r.next(below: 4)]
      let blockN = maxKV <= 300 ? 4 : 128
      let target = Request(
        queryLength: 1 + r.next(below: 3), kvLength: r.next(below: maxKV + 1), seed: seed)
      let (hq, hkv, d) = (4, 2, 8)
      let alone = try Self.batch([target], hq: hq, hkv: hkv, d: d)
      let device = try DeviceModel(smCount: sms, ctasPerSM: 1 + r.next(below: 2))
      let reference = try Self.rows(
        of: 0, in: alone,
        schedule: LeanPartitioner(blockN: blockN).schedule(alone.problem, on: device))
      // Other requests before and after it, other SM counts, every partitioner.
      let others = (0..<(before + after)).map { i in
        Request(
          queryLength: r.next(below: 4), kvLength: r.next(below: maxKV + 1),
          seed: seed &+ UInt64(i + 1))
      }
      let mixed = Array(others[..<before]) + [target] + Array(others[before...])
      let batch = try Self.batch(mixed, hq: hq, hkv: hkv, d: d)
      for kind in PartitionerKind.allCases {
        let other = try DeviceModel(
          smCount: 1 + r.next(below: 300), ctasPerSM: 1 + r.next(below: 2))
        let s = try kind.make(blockN: blockN).schedule(batch.problem, on: other)
        #expect(try Self.rows(of: before, in: batch, schedule: s) == reference, "\(kind)")
      }
    }
  }

  /// One request's shape and the seed of its own Q, K and V.
  struct Request {
    var queryLength: Int
    var kvLength: Int
    var seed: UInt64
  }

  /// A batch whose every request draws its Q, K and V from its own seed, so a
  /// request holds the same numbers whatever batch it is in.
  static func batch(_ requests: [Request], hq: Int, hkv: Int, d: Int) throws -> AttentionInputs<
    Double
  > {
    let p = try AttentionProblem(
      requests: requests.map { RequestShape(queryLength: $0.queryLength, kvLength: $0.kvLength) },
      queryHeads: hq, kvHeads: hkv, headDim: d, mask: .causal())
    var q: [Double] = []
    var k: [Double] = []
    var v: [Double] = []
    for req in requests {
      var r = PhiloxDraws(seed: req.seed, stream: 7)
      for _ in 0..<(req.queryLength * hq * d) { q.append(r.uniform(-2, 2)) }
      for _ in 0..<(req.kvLength * hkv * d) {
        k.append(r.uniform(-2, 2))
        v.append(r.uniform(-1, 1))
      }
    }
    return try AttentionInputs(
      problem: p, queries: Tensor(shape: [p.totalQueryTokens, hq, d], storage: q),
      keyValues: .contiguous(
        keys: Tensor(shape: [p.totalKVTokens, hkv, d], storage: k),
        values: Tensor(shape: [p.totalKVTokens, hkv, d], storage: v)))
  }

  /// The bit patterns of request `b`'s output rows and LSEs.
  static func rows(of b: Int, in x: AttentionInputs<Double>, schedule: Schedule) throws -> [UInt64]
  {
    let p = x.problem
    let out = try ScheduleExecutor.runCanonicalTree(schedule, on: x, in: Double.self).result
    let rows = (p.queryOffsets[b] * p.queryHeads)..<(p.queryOffsets[b + 1] * p.queryHeads)
    let d = p.headDim
    return out.output.storage[(rows.lowerBound * d)..<(rows.upperBound * d)].map(\.bitPattern)
      + out.logSumExp.storage[rows].map(\.bitPattern)
  }

  @Test("The tree stays within its documented bound of naive attention")
  func withinBoundOfNaive() async {
    await propertyCheck(count: 12, input: workloads) { w in
      let p = w.problem
      let x = SeededInputs.contiguous(p, seed: w.seed, as: Float16.self)
      let s = try LeanPartitioner(blockN: w.blockN).schedule(p, on: w.device)
      let run = try ScheduleExecutor.runCanonicalTree(s, on: x, in: Double.self)
      let naive = NaiveAttention.compute(x)
      // Docs/PartitionInvariance.md, "Accuracy": S = scale·max‖q‖·max‖k‖ bounds
      // every |score|, L = S + ln(keys) every |LSE| of a subset, Δ = 2S + ln(keys)
      // the spread of two; a tile (fixed order) has O error εO and LSE error εL;
      // each of the h levels adds εL(k) + u(3Δ + 9) relative to max|v| in O and
      // u(L + 2Δ + 6) in LSE. The naive loop's own error is added.
      let u = 0x1p-53
      let q = x.queries.storage.map(\.doubleValue)
      let (ks, vs) = x.keyValueStorage
      let k = ks.map(\.doubleValue)
      let v = vs.map(\.doubleValue)
      func maxNorm(_ a: [Double]) -> Double {
        stride(from: 0, to: a.count, by: p.headDim).map { i in
          a[i..<(i + p.headDim)].reduce(0) { $0 + $1 * $1 }.squareRoot()
        }.max() ?? 0
      }
      let maxV = v.map(abs).max() ?? 0
      let score = p.scale * maxNorm(q) * maxNorm(k)
      let logKeys = log(Double(max(1, p.maxKVLength)))
      let (lse, spread) = (score + logKeys, 2 * score + logKeys)
      let dot = 2 * (Double(p.headDim) / 8 + 4)
      let n = Double(w.blockN)
      let tileO = u * ((n + 4) + 2 * (dot * score + 2 * score + 4))
      let tileL = u * (n + 4 + (2 * dot + 2) * score + log(n) + lse)
      let h = Double(CanonicalTree(tiles: (p.maxKVLength + w.blockN - 1) / w.blockN).height)
      let lseMerge = u * (lse + 2 * spread + 6)
      // The naive loop's own rounding: sums of `keys` terms and D-term dot products.
      let keys = Double(p.maxKVLength)
      let naiveO = u * ((keys + 4) + 2 * (Double(p.headDim) * score + 2 * score + 4))
      let naiveL = u * (keys + 4 + (2 * Double(p.headDim) + 2) * score + lse)
      let oBound =
        (tileO + naiveO + h * tileL + h * (h - 1) / 2 * lseMerge + h * u * (3 * spread + 9)) * maxV
      let lseBound = tileL + h * lseMerge + naiveL
      let oError = maxAbsDifference(run.result.output.storage, naive.o)
      #expect(oError <= oBound, "O error \(oError) > \(oBound): \(w)")
      let lseError = maxAbsDifference(run.result.logSumExp.storage, naive.lse)
      #expect(lseError <= lseBound, "LSE error \(lseError) > \(lseBound): \(w)")
    }
  }

  @Test("Today's left fold is not partition-invariant; the tree is, on the same schedules")
  func leftFoldIsNotInvariant() throws {
    // One decode row over 3000 keys in tiles of 16: 188 tiles, cut by lean grids of 2…9 CTAs.
    let p = try AttentionProblem(
      requests: [.init(queryLength: 1, kvLength: 3000)], queryHeads: 1, kvHeads: 1, headDim: 8)
    let x = SeededInputs.contiguous(p, seed: 17, as: Float16.self)
    var folds = Set<[UInt64]>()
    var trees = Set<[UInt64]>()
    for grid in 1...9 {
      let s = try LeanPartitioner(grid: grid, blockN: 16).schedule(p, on: .h100)
      for (order, set) in [(ReductionOrder.leftFold, 0), (.canonicalTree, 1)] {
        let out = try ScheduleExecutor.attention(
          s, on: x, in: Double.self, arithmetic: .fixedOrder, reduction: order)
        if set == 0 {
          folds.insert(Self.bitPatterns(out))
        } else {
          trees.insert(Self.bitPatterns(out))
        }
      }
    }
    #expect(folds.count > 1, "the left fold gave the same bits for every grid")
    #expect(trees.count == 1)
  }

  @Test("The explanation shows each CTA's subtrees and the host's merges")
  func explanation() throws {
    // 11 tiles over 2 CTAs of a lean grid: 6 + 5 tiles.
    let p = try AttentionProblem(
      requests: [.init(queryLength: 1, kvLength: 11 * 16)], queryHeads: 1, kvHeads: 1, headDim: 8)
    let s = try LeanPartitioner(grid: 2, blockN: 16).schedule(p, on: .h100)
    let text = CanonicalTree.explanation(of: s)
    // Tiles 0..<6 → [0,4) [4,6); tiles 6..<11 → [6,8) [8,11); host: [4,8), [0,8), [0,11).
    #expect(text.contains("[0,4) = ((t0 ⊕ t1) ⊕ (t2 ⊕ t3))"))
    #expect(text.contains("[8,11) = ((t8 ⊕ t9) ⊕ t10)"))
    #expect(text.contains("[4,8) = [4,6) ⊕ [6,8)"))
    #expect(text.contains("[0,8) = [0,4) ⊕ [4,8)"))
    #expect(text.contains("[0,11) = [0,8) ⊕ [8,11)"))
    #expect(text.contains("(3 merge(s))"))
  }
}
