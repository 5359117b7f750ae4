import LeanAttention

/// Runs a ``Schedule`` on an NVIDIA GPU with the decode kernels.
///
/// The schedule is the one the partitioners made for the CPU executor; only
/// the launch differs by partitioner:
///
/// - `fixed-split`: the segment kernel in partials-only mode (every piece
///   writes its partial state), then the combine kernel merges each row's splits;
/// - `per-head`, `lean` (any other): one launch of the segment kernel. An
///   output with one piece is written directly; an output with several is
///   merged by its host CTA (split 0) after its peers raise their flags. The
///   flags are zeroed before every launch.
///
/// A waiting host needs its peers to be resident, so a schedule with more
/// CTAs than the GPU can hold at once is refused rather than risk a hang.
public final class CUDAExecutor {
  /// The device.
  public let device: CUDADevice
  /// The loaded image's architecture.
  public let arch: String
  let module: OpaquePointer?
  static let threads = 128

  /// Loads a compiled image.
  ///
  /// - Throws: ``CUDAError/driver(call:code:name:)``.
  public init(device: CUDADevice, image: KernelCompiler.Image) throws(CUDAError) {
    self.device = device
    arch = image.arch
    var m: OpaquePointer?
    let r = image.cubin.withUnsafeBytes { raw in
      raw.baseAddress.map { device.driver.cuModuleLoadData(&m, $0) } ?? 1
    }
    try device.driver.check(r, "cuModuleLoadData")
    module = m
  }

  deinit { _ = device.driver.cuModuleUnload(module) }

  func function(_ name: String) throws(CUDAError) -> OpaquePointer? {
    var f: OpaquePointer?
    try device.driver.check(
      device.driver.cuModuleGetFunction(&f, module, name), "cuModuleGetFunction(\(name))")
    return f
  }

  /// What a launch produced.
  public struct Result: Sendable, Equatable {
    /// `O [totalQ, Hq, D]` as the kernel's dtype bits.
    public var outputBits: [UInt16]
    /// Natural-log `LSE [totalQ, Hq]`.
    public var logSumExp: [Float]
    /// Partial outputs `[splits, totalQ, Hq, D]` (written for split outputs).
    public var partialOutput: [Float]
    /// Partial LSEs `[splits, totalQ, Hq]`; −∞ where a row has no such split.
    public var partialLogSumExp: [Float]
    /// The partial buffers' first dimension.
    public var splits: Int
  }

  /// Why a problem cannot run here, or `nil` when it can.
  public static func unsupportedReason(_ p: AttentionProblem) -> String? {
    if !p.requests.allSatisfy({ $0.queryLength == 1 }) { return "not decode" }
    if !KernelCompiler.supportedHeadDims.contains(p.headDim) { return "head dim \(p.headDim)" }
    if p.softCap != nil { return "soft-cap" }
    if p.groupSize > LeanTileSpace.rowsPerTile { return "more than 64 query heads per KV head" }
    return nil
  }

  /// Executes `schedule` on `inputs`.
  ///
  /// - Throws: ``CUDAError/unsupported(_:)`` for a problem or schedule the
  ///   kernels do not handle, or a failing driver call.
  public func run<Element: CUDAElement>(
    _ schedule: Schedule, on inputs: AttentionInputs<Element>
  ) throws(CUDAError) -> Result {
    let p = inputs.problem
    if let why = Self.unsupportedReason(p) { throw .unsupported(why) }
    let upload = try ScheduleUpload(schedule, problem: p)
    let driver = device.driver
    let d = p.headDim
    let rows = p.totalQueryTokens * p.queryHeads
    let suffix = "\(Element.kernelSuffix)_d\(d)"
    let segmentsKernel = try function("la_segments_\(suffix)")
    let splitsOnly = schedule.partitioner == PartitionerKind.fixedSplit.rawValue
    let reduces = !splitsOnly && upload.pieceCounts.contains { $0 > 1 }
    if reduces {
      var perSM: Int32 = 0
      try driver.check(
        driver.cuOccupancy(&perSM, segmentsKernel, Int32(Self.threads), 0),
        "cuOccupancyMaxActiveBlocksPerMultiprocessor")
      let resident = Int(perSM) * device.multiprocessors
      guard upload.grid <= resident else {
        throw .unsupported(
          "the lean schedule has \(upload.grid) CTAs but only \(resident) can be resident on \(device.name); a host waiting for a peer that has not started would hang"
        )
      }
    }

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
    let q = try DeviceBuffer(driver, inputs.queries.storage.map(\.bits))
    let k = try DeviceBuffer(driver, keys.map(\.bits))
    let v = try DeviceBuffer(driver, values.map(\.bits))
    let kvOffsets = try DeviceBuffer(driver, p.kvOffsets.map { Int32($0) })
    let pageTable = try DeviceBuffer(driver, table)
    let visibleBuffer = try DeviceBuffer(driver, visible)
    let ctaOffsets = try DeviceBuffer(driver, upload.ctaOffsets)
    let segments = try DeviceBuffer(driver, upload.segments)
    let outputs = try DeviceBuffer(driver, upload.outputs)
    let pieceCounts = try DeviceBuffer(driver, upload.pieceCounts)
    let partialO = try DeviceBuffer(driver, bytes: upload.maxSplits * rows * d * 4)
    let partialL = try DeviceBuffer(driver, bytes: upload.maxSplits * rows * 4)
    let flags = try DeviceBuffer(
      driver, bytes: max(1, schedule.outputs.count * upload.maxSplits) * 4)
    let o = try DeviceBuffer(driver, bytes: rows * d * 2)
    let lse = try DeviceBuffer(driver, bytes: rows * 4)
    let negativeInfinity = (-Float.infinity).bitPattern
    try partialO.fill(0)
    try partialL.fill(negativeInfinity)
    try flags.fill(0)
    try o.fill(0)
    try lse.fill(negativeInfinity)

    let args = KernelArguments()
    args.add(q)
    args.add(k)
    args.add(v)
    args.add(kvOffsets)
    args.add(pageTable)
    args.add(Int32(pageWidth))
    args.add(Int32(pageSize))
    args.add(visibleBuffer)
    args.add(Int32(p.queryHeads))
    args.add(Int32(p.kvHeads))
    args.add(Int32(schedule.blockN))
    args.add(Float(p.scale))
    args.add(ctaOffsets)
    args.add(segments)
    args.add(outputs)
    args.add(pieceCounts)
    args.add(Int32(upload.maxSplits))
    args.add(Int32(rows))
    args.add(Int32(splitsOnly ? 1 : 0))
    args.add(partialO)
    args.add(partialL)
    args.add(flags)
    args.add(o)
    args.add(lse)
    if upload.grid > 0 {
      try launch(segmentsKernel, grid: upload.grid, args, "la_segments_\(suffix)")
    }
    if splitsOnly && rows > 0 {
      var rowOutput = [Int32](repeating: -1, count: rows)
      for (i, tile) in schedule.outputs.enumerated() where upload.pieceCounts[i] > 0 {
        for r in tile.rows { rowOutput[tile.queryRow(r, in: p)] = Int32(i) }
      }
      let rowOutputBuffer = try DeviceBuffer(driver, rowOutput)
      let c = KernelArguments()
      c.add(rowOutputBuffer)
      c.add(pieceCounts)
      c.add(Int32(rows))
      c.add(partialO)
      c.add(partialL)
      c.add(o)
      c.add(lse)
      let warps = Self.threads / 32
      try launch(
        try function("la_combine_\(suffix)"), grid: (rows + warps - 1) / warps, c,
        "la_combine_\(suffix)")
    }
    try driver.check(driver.cuCtxSynchronize(), "cuCtxSynchronize")
    return Result(
      outputBits: try o.download(rows * d, as: UInt16.self),
      logSumExp: try lse.download(rows, as: Float.self),
      partialOutput: try partialO.download(upload.maxSplits * rows * d, as: Float.self),
      partialLogSumExp: try partialL.download(upload.maxSplits * rows, as: Float.self),
      splits: upload.maxSplits)
  }

  func launch(_ f: OpaquePointer?, grid: Int, _ args: KernelArguments, _ name: String)
    throws(CUDAError)
  {
    let r = args.withPointers {
      device.driver.cuLaunchKernel(
        f, UInt32(grid), 1, 1, UInt32(Self.threads), 1, 1, 0, nil, $0, nil)
    }
    try device.driver.check(r, "cuLaunchKernel(\(name))")
  }
}
