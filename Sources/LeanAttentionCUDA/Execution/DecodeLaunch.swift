import LeanAttention

/// One schedule on one set of inputs, resident on the device: buffers set up
/// once, launched any number of times, read back on demand.
///
/// ``CUDAExecutor/run(_:on:order:)`` is setup, one launch and read-back; the CUDA
/// benchmark sets up once and launches many times, rotating among copies of
/// K and V. The reduction follows `schedule.reduction`:
///
/// - `combinePass`: the segment kernel in partials-only mode (every piece
///   writes its partial state), then the combine kernel merges each row's splits;
/// - `hostMerge`: one launch of the segment kernel. An output with one piece
///   is written directly; an output with several is merged by its host CTA
///   (split 0) after its peers publish. A peer publishes by writing the
///   launch's *epoch* into its flag, and every launch has a new epoch, so the
///   flags are zeroed once at setup, never per launch.
///
/// With `order: .canonicalTree` (the invariant mode) the `la_tree_*` kernels
/// run instead: each piece writes the states of its complete subtrees of the
/// output's `CanonicalTree` to partial slots (``TreeUpload``) and the host
/// or the combine pass finishes the tree, so O and LSE are the same bits under
/// every schedule of the problem (`Docs/PartitionInvariance.md`).
///
/// A waiting host needs its peers to be resident, so a host-merge schedule
/// with more CTAs than the GPU holds at once is refused; and a host waits at
/// most `waitNanoseconds` for each peer, then gives up and the launch reports
/// ``CUDAError/peerNeverArrived(waitMilliseconds:)`` instead of hanging.
public final class DecodeLaunch {
  /// CTAs of the segment launch.
  public let grid: Int
  /// CTAs of the combine launch (0 for host-merge schedules).
  public let combineGrid: Int
  /// The partial buffers' first dimension: splits, or node slots in the invariant mode.
  public let splits: Int
  /// The reduction order the kernels follow.
  public let order: ReductionOrder
  /// Query rows held by one pass of the segment kernel (1, 2, 4 or 8).
  public let rowsPerPass: Int
  /// The segment kernel's name.
  public let kernelName: String
  /// Copies of K and V the launches rotate among (1 after setup).
  public var keyValueSets: Int { kv.count }

  let executor: CUDAExecutor
  let segmentsKernel: OpaquePointer?
  let combineKernel: OpaquePointer?
  let rows: Int
  let headDim: Int
  let waitNanoseconds: Int64
  var parameters: KernelParameters
  // Held for the launches' lifetime: the kernels read their addresses.
  let buffers: [DeviceBuffer]
  var kv: [(keys: DeviceBuffer, values: DeviceBuffer)]
  let partialO, partialLSE, flags, error, o, lse: DeviceBuffer
  let rowOutput: DeviceBuffer?

  /// Sets up `schedule` on `inputs`: uploads the inputs and the schedule and
  /// allocates the outputs.
  ///
  /// - Parameters:
  ///   - executor: the executor whose device, context and kernels the launch uses.
  ///   - schedule: any valid schedule of `inputs.problem`; its pieces, reduction
  ///     groups and strategy are uploaded as they are.
  ///   - inputs: Q, K and V in a 16-bit storage type.
  ///   - order: `.leftFold` (the normal kernels) or `.canonicalTree` (the invariant mode).
  ///   - waitNanoseconds: a host CTA's longest wait for one peer.
  /// - Throws: ``CUDAError/unsupported(_:)`` for a problem or schedule the
  ///   kernels do not handle, or a failing driver call.
  public convenience init<Element: CUDAElement>(
    _ executor: CUDAExecutor, schedule: Schedule, inputs: AttentionInputs<Element>,
    order: ReductionOrder = .leftFold, waitNanoseconds: Int64 = 10_000_000_000
  ) throws(CUDAError) {
    let upload = try ScheduleUpload(schedule, problem: inputs.problem)
    let tree = order == .canonicalTree ? try TreeUpload(schedule, upload: upload) : nil
    try self.init(
      executor, upload: upload, tree: tree, reduction: schedule.reduction,
      blockN: schedule.blockN, outputs: schedule.outputs, inputs: inputs,
      waitNanoseconds: waitNanoseconds)
  }

  /// Sets up an uploaded schedule. Used directly to run a deliberately broken
  /// upload (a host whose peer never arrives).
  init<Element: CUDAElement>(
    _ executor: CUDAExecutor, upload: ScheduleUpload, tree: TreeUpload? = nil,
    reduction: ReductionStrategy, blockN: Int,
    outputs tiles: [OutputTile], inputs: AttentionInputs<Element>, waitNanoseconds: Int64
  ) throws(CUDAError) {
    let p = inputs.problem
    try DecodeSupport.check(p)
    let driver = executor.device.driver
    self.executor = executor
    self.waitNanoseconds = waitNanoseconds
    headDim = p.headDim
    rows = p.totalQueryTokens * p.queryHeads
    grid = upload.grid
    order = tree == nil ? .leftFold : .canonicalTree
    splits = tree?.maxSlots ?? upload.maxSplits
    rowsPerPass = DecodeSupport.rowsPerPass(groupSize: p.groupSize)
    let suffix = "\(Element.kernelSuffix)_d\(p.headDim)"
    let prefix = tree == nil ? "la" : "la_tree"
    kernelName = "\(prefix)_segments_\(suffix)_r\(rowsPerPass)"
    segmentsKernel = try executor.function(kernelName)
    let combining = reduction == .combinePass
    combineKernel = combining ? try executor.function("\(prefix)_combine_\(suffix)") : nil
    if !combining && upload.pieceCounts.contains(where: { $0 > 1 }) {
      let resident = try executor.residentCTAs(segmentsKernel)
      guard upload.grid <= resident else {
        throw .unsupported(
          "the schedule has \(upload.grid) CTAs but only \(resident) can be resident on \(executor.device.name); a host waiting for a peer that has not started would hang"
        )
      }
    }

    // Inputs.
    let (keys, values) = inputs.keyValueStorage
    var pageWidth = 0
    var pageSize = 0
    var table: [Int32] = [0]
    if case .paged(let k, _, let t) = inputs.keyValues {
      pageSize = k.shape[1]
      pageWidth = max(1, t.map(\.count).max() ?? 1)
      table = t.flatMap { $0 + [Int32](repeating: 0, count: pageWidth - $0.count) }
    }
    let visible = (0..<p.batchSize).flatMap { b -> [Int32] in
      let r = p.visibleKeys(request: b, query: 0)
      return [Int32(r.lowerBound), Int32(r.upperBound)]
    }
    // A CUDAElement is stored as its 16 bits, so the arrays upload as they are.
    let q = try DeviceBuffer(driver, inputs.queries.storage)
    kv = [(try DeviceBuffer(driver, keys), try DeviceBuffer(driver, values))]
    let kvOffsets = try DeviceBuffer(driver, p.kvOffsets.map { Int32($0) })
    let pageTable = try DeviceBuffer(driver, table)
    let visibleBuffer = try DeviceBuffer(driver, visible)
    let ctaOffsets = try DeviceBuffer(driver, upload.ctaOffsets)
    let segments = try DeviceBuffer(driver, upload.segments)
    let outputs = try DeviceBuffer(driver, upload.outputs)
    let pieceCounts = try DeviceBuffer(driver, upload.pieceCounts)
    var held = [q, kvOffsets, pageTable, visibleBuffer, ctaOffsets, segments, outputs, pieceCounts]
    var treeArrays: (outputs: DeviceBuffer, slots: DeviceBuffer, nodes: DeviceBuffer)?
    if let tree {
      treeArrays = (
        try DeviceBuffer(driver, tree.outputs), try DeviceBuffer(driver, tree.segmentSlots),
        try DeviceBuffer(driver, tree.nodes)
      )
      if let t = treeArrays { held += [t.outputs, t.slots, t.nodes] }
    }
    buffers = held

    // Outputs; flags and the error word are zeroed here, once.
    partialO = try DeviceBuffer(driver, bytes: splits * rows * p.headDim * 4)
    partialLSE = try DeviceBuffer(driver, bytes: splits * rows * 4)
    flags = try DeviceBuffer(
      driver, bytes: max(1, upload.pieceCounts.count * upload.maxSplits) * 4)
    error = try DeviceBuffer(driver, bytes: 4)
    o = try DeviceBuffer(driver, bytes: rows * p.headDim * 2)
    lse = try DeviceBuffer(driver, bytes: rows * 4)
    let negativeInfinity = (-Float.infinity).bitPattern
    try partialO.fill(0)
    try partialLSE.fill(negativeInfinity)
    try flags.fill(0)
    try error.fill(0)
    try o.fill(0)
    try lse.fill(negativeInfinity)

    if combining && rows > 0 {
      var map = [Int32](repeating: -1, count: rows)
      for (i, tile) in tiles.enumerated() where i < upload.pieceCounts.count {
        guard upload.pieceCounts[i] > 0 else { continue }
        for r in tile.rows { map[tile.queryRow(r, in: p)] = Int32(i) }
      }
      rowOutput = try DeviceBuffer(driver, map)
      combineGrid = (rows + CUDAExecutor.warps - 1) / CUDAExecutor.warps
    } else {
      rowOutput = nil
      combineGrid = 0
    }

    var k = KernelParameters()
    k.q = q.address
    k.k = kv[0].keys.address
    k.v = kv[0].values.address
    k.kvOffsets = kvOffsets.address
    k.pageTable = pageTable.address
    k.visible = visibleBuffer.address
    k.ctaOffsets = ctaOffsets.address
    k.segments = segments.address
    k.outputs = outputs.address
    k.pieceCounts = pieceCounts.address
    k.partialO = partialO.address
    k.partialLSE = partialLSE.address
    k.flags = flags.address
    k.error = error.address
    k.o = o.address
    k.lse = lse.address
    if let treeArrays, let tree {
      k.treeOutputs = treeArrays.outputs.address
      k.treeSlots = treeArrays.slots.address
      k.treeNodes = treeArrays.nodes.address
      k.maxSlots = Int32(clamping: tree.maxSlots)
    }
    // DecodeSupport bounds rows, tokens and pages by Int32.max.
    k.pageWidth = Int32(pageWidth)
    k.pageSize = Int32(pageSize)
    k.queryHeads = Int32(p.queryHeads)
    k.kvHeads = Int32(p.kvHeads)
    k.blockN = Int32(clamping: blockN)
    k.maxSplits = Int32(clamping: upload.maxSplits)
    k.totalRows = Int32(rows)
    k.mode = combining ? .partialsOnly : .hostMerge
    k.epoch = 0
    k.scaleLog2 = Float(p.scale * 1.4426950408889634)
    k.waitNanoseconds = waitNanoseconds
    parameters = k
  }

  /// Adds device copies of K and V until there are `count` sets, so that
  /// launches rotating among them never find their K/V in L2.
  ///
  /// - Throws: a failing allocation or copy.
  public func rotate(among count: Int) throws(CUDAError) {
    while kv.count < count {
      let k = try DeviceBuffer(executor.device.driver, bytes: kv[0].keys.bytes)
      let v = try DeviceBuffer(executor.device.driver, bytes: kv[0].values.bytes)
      try k.copy(from: kv[0].keys, bytes: k.bytes)
      try v.copy(from: kv[0].values, bytes: v.bytes)
      kv.append((k, v))
    }
  }

  /// Bytes of one K/V set on the device.
  public var keyValueBytes: Int { kv[0].keys.bytes + kv[0].values.bytes }

  /// Enqueues one call: the segment launch and, for combine-pass schedules,
  /// the combine launch, on K/V set `set % keyValueSets`. Does not wait.
  ///
  /// - Throws: a failing launch.
  public func enqueue(keyValueSet set: Int = 0) throws(CUDAError) {
    // A fresh epoch per call: peers publish it, hosts wait for it.
    if parameters.epoch == Int32.max {
      try flags.fill(0)
      parameters.epoch = 0
    }
    parameters.epoch += 1
    let pair = kv[set % kv.count]
    parameters.k = pair.keys.address
    parameters.v = pair.values.address
    let block = parameters.bytes
    if grid > 0 {
      let args = KernelArguments()
      args.add(bytes: block)
      try executor.launch(segmentsKernel, grid: grid, args, kernelName)
    }
    if let rowOutput, combineGrid > 0 {
      let args = KernelArguments()
      args.add(bytes: block)
      args.add(rowOutput)
      try executor.launch(combineKernel, grid: combineGrid, args, "la_combine")
    }
  }

  /// Waits for the enqueued calls and reports a host that gave up waiting.
  ///
  /// - Throws: ``CUDAError/peerNeverArrived(waitMilliseconds:)`` or a failing call.
  public func finish() throws(CUDAError) {
    let driver = executor.device.driver
    try driver.check(driver.cuCtxSynchronize(), "cuCtxSynchronize")
    let flag = try error.download(1, as: Int32.self)[0]
    if flag != 0 {
      try error.fill(0)
      throw .peerNeverArrived(waitMilliseconds: Double(waitNanoseconds) / 1e6)
    }
  }

  /// The outputs of the last finished call.
  ///
  /// - Throws: a failing copy.
  public func readBack() throws(CUDAError) -> CUDAExecutor.Result {
    CUDAExecutor.Result(
      outputBits: try o.download(rows * headDim, as: UInt16.self),
      logSumExp: try lse.download(rows, as: Float.self),
      partialOutput: try partialO.download(splits * rows * headDim, as: Float.self),
      partialLogSumExp: try partialLSE.download(splits * rows, as: Float.self),
      splits: splits)
  }
}
