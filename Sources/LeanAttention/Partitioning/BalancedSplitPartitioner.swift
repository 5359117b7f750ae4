/// FlashInfer's decode schedule: the smallest KV chunk whose chunks fill one wave.
///
/// The chunk length comes from ``BalancedSplitPlan/plan(pages:kvHeads:maxGridSize:pageSize:fixedSplitSize:)``
/// with `max_grid_size = ctasPerSM × smCount` of the device (or ``blocksPerSM`` × SMs).
/// Every (request, KV head) is cut into chunks of that many pages from the start of its
/// KV; each chunk is one CTA. CTAs are laid out as FlashInfer's grid
/// `(chunks of all requests, KV heads)` launches them: KV head outer, then request,
/// then chunk. A request with no KV still gets its one (empty) CTA, as in FlashInfer.
/// The chunks' partial states are merged by a separate combine pass (`merge_states`).
///
/// Pages: FlashInfer counts pages of `page_size` tokens. By default a page here is one
/// lean tile (`blockN` tokens), so chunks fall on tile boundaries and the timeline's
/// fix-up cost matches the other partitioners'. With an explicit ``pageSize`` (16 is
/// vLLM's block size, 1 SGLang's) the plan is FlashInfer's for that page size, and the
/// schedule's tiles shrink to `gcd(chunk tokens, blockN)` so chunks still start on tiles.
///
/// Beyond decode: FlashInfer's decode plan takes one query token per request. For a
/// problem with several 64-row blocks per request (prefill, or more than 64 query heads
/// per KV head), each (request, row block) counts as one request of the plan.
public struct BalancedSplitPartitioner: Partitioner {
  public var name: String { "balanced-split" }
  /// The lean tile before alignment to the chunk; `nil` picks ``LeanTileSpace/defaultBlockN(headDim:)``.
  public var blockN: Int?
  /// Tokens per KV page; `nil` makes a page one lean tile.
  public var pageSize: Int?
  /// FlashInfer's `fixed_split_size`, in pages: skip the search and use this chunk.
  public var fixedSplitSize: Int?
  /// CTAs per SM in `max_grid_size`; `nil` uses the device's ``DeviceModel/ctasPerSM``.
  public var blocksPerSM: Int?

  /// FlashInfer's decode schedule; every parameter left `nil` takes FlashInfer's default.
  ///
  /// - Parameters:
  ///   - pageSize: tokens per KV page.
  ///   - fixedSplitSize: a fixed chunk in pages instead of the search.
  ///   - blocksPerSM: CTAs per SM in `max_grid_size`.
  ///   - blockN: the lean tile before alignment to the chunk.
  public init(
    pageSize: Int? = nil, fixedSplitSize: Int? = nil, blocksPerSM: Int? = nil, blockN: Int? = nil
  ) {
    self.pageSize = pageSize
    self.fixedSplitSize = fixedSplitSize
    self.blocksPerSM = blocksPerSM
    self.blockN = blockN
  }

  /// The plan for `problem` on `device`, and the tokens per page it was made with.
  ///
  /// - Throws: ``AttentionError/invalidParameter(name:value:allowed:)`` for a page
  ///   size, fixed split size, CTAs per SM or `blockN` below 1, or a grid or chunk
  ///   too large to count.
  public func plan(_ problem: AttentionProblem, on device: DeviceModel) throws(AttentionError)
    -> (plan: BalancedSplitPlan, pageSize: Int, entries: [(request: Int, queryBlock: Int)])
  {
    let base = blockN ?? LeanTileSpace.defaultBlockN(headDim: problem.headDim)
    guard base >= 1 else {
      throw .invalidParameter(name: "blockN", value: "\(base)", allowed: "1 or more")
    }
    let page = pageSize ?? base
    guard page >= 1 else {
      throw .invalidParameter(name: "page size", value: "\(page)", allowed: "1 or more")
    }
    if let fixedSplitSize {
      guard fixedSplitSize >= 1, !fixedSplitSize.multipliedReportingOverflow(by: page).overflow
      else {
        throw .invalidParameter(
          name: "fixed split size", value: "\(fixedSplitSize)",
          allowed: "1 or more pages, at most \(Int.max / page)")
      }
    }
    let perSM = blocksPerSM ?? device.ctasPerSM
    guard perSM >= 1 else {
      throw .invalidParameter(name: "CTAs per SM", value: "\(perSM)", allowed: "1 or more")
    }
    let (grid, overflow) = perSM.multipliedReportingOverflow(by: device.smCount)
    guard !overflow else {
      throw .invalidParameter(
        name: "CTAs per SM", value: "\(perSM)", allowed: "at most \(Int.max / device.smCount)")
    }
    // One plan request per (request, 64-row block); decode has one block per request.
    let g = problem.groupSize
    var entries: [(request: Int, queryBlock: Int)] = []
    var pages: [Int] = []
    for (b, r) in problem.requests.enumerated() {
      let rows = r.queryLength * g
      let blocks =
        rows / LeanTileSpace.rowsPerTile + (rows % LeanTileSpace.rowsPerTile == 0 ? 0 : 1)
      for m in 0..<blocks {
        entries.append((b, m))
        pages.append(r.kvLength / page + (r.kvLength % page == 0 ? 0 : 1))
      }
    }
    let plan = BalancedSplitPlan.plan(
      pages: pages, kvHeads: problem.kvHeads, maxGridSize: grid, pageSize: page,
      fixedSplitSize: fixedSplitSize)
    return (plan, page, entries)
  }

  public func schedule(_ problem: AttentionProblem, on device: DeviceModel) throws(AttentionError)
    -> Schedule
  {
    let (plan, page, entries) = try plan(problem, on: device)
    let base = blockN ?? LeanTileSpace.defaultBlockN(headDim: problem.headDim)
    // chunkPages ≤ max(max pages, fixed split size), both checked against overflow above.
    let chunkTokens = plan.chunkPages * page
    let tile = Self.gcd(chunkTokens, base)
    let space = try LeanTileSpace(problem: problem, blockN: tile)
    let perChunk = chunkTokens / tile
    // Output index of (request, KV head, row block): outputs are request-major.
    var first = [Int](repeating: 0, count: problem.batchSize + 1)
    for o in space.outputs { first[o.request + 1] += 1 }
    for b in 0..<problem.batchSize { first[b + 1] += first[b] }
    var ctas: [[Segment]] = []
    for h in 0..<problem.kvHeads {
      for (e, entry) in entries.enumerated() {
        let blocks = (first[entry.request + 1] - first[entry.request]) / problem.kvHeads
        let o = first[entry.request] + h * blocks + entry.queryBlock
        let visible = space.outputs[o].visibleBlocks
        for j in 0..<plan.chunks[e] {
          let lo = Swift.max(j * perChunk, visible.lowerBound)
          let hi = Swift.min((j + 1) * perChunk, visible.upperBound)
          ctas.append(lo < hi ? [Segment(output: o, blocks: lo..<hi)] : [])
        }
      }
    }
    return Schedule(
      partitioner: name, device: device, blockN: space.blockN, outputs: space.outputs, ctas: ctas,
      reduction: .combinePass)
  }

  static func gcd(_ a: Int, _ b: Int) -> Int {
    var (x, y) = (a, b)
    while y != 0 { (x, y) = (y, x % y) }
    return Swift.max(x, 1)
  }
}
