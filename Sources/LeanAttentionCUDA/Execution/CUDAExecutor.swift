import LeanAttention

/// Runs a `Schedule` on an NVIDIA GPU with the decode kernels.
///
/// The schedule is the one the partitioners made for the CPU executor, and
/// the launch reads only what the schedule carries (its pieces and its
/// reduction strategy), never which partitioner made it. A call is three
/// steps, each a ``DecodeLaunch`` method: setup (upload inputs and schedule,
/// allocate outputs), launch, read-back.
public final class CUDAExecutor {
  /// The device.
  public let device: CUDADevice
  /// The loaded image's architecture.
  public let arch: String
  let module: OpaquePointer?
  static let warps = 4
  static let threads = 32 * warps

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

  /// CTAs of `kernel` that fit on the device at once.
  func residentCTAs(_ kernel: OpaquePointer?) throws(CUDAError) -> Int {
    var perSM: Int32 = 0
    try device.driver.check(
      device.driver.cuOccupancy(&perSM, kernel, Int32(Self.threads), 0),
      "cuOccupancyMaxActiveBlocksPerMultiprocessor")
    return Int(perSM) * device.multiprocessors
  }

  /// CTAs of the segment kernel that runs `p` in `Element` that fit on the
  /// device at once: the grid at which a lean schedule keeps every slot busy.
  ///
  /// - Throws: ``CUDAError/unsupported(_:)`` or a failing driver call.
  public func residentCTAs<Element: CUDAElement>(_ p: AttentionProblem, _: Element.Type)
    throws(CUDAError) -> Int
  {
    try DecodeSupport.check(p)
    let r = DecodeSupport.rowsPerPass(groupSize: p.groupSize)
    return try residentCTAs(
      function("la_segments_\(Element.kernelSuffix)_d\(p.headDim)_r\(r)"))
  }

  /// What a launch produced.
  public struct Result: Sendable, Equatable {
    /// `O [totalQ, Hq, D]` as the kernel's dtype bits.
    public var outputBits: [UInt16]
    /// Natural-log `LSE [totalQ, Hq]`.
    public var logSumExp: [Float]
    /// Partial outputs `[splits, totalQ, Hq, D]` (written for split outputs);
    /// in the invariant mode the emitted node states `[slots, totalQ, Hq, D]`.
    public var partialOutput: [Float]
    /// Partial LSEs `[splits, totalQ, Hq]`; −∞ where a row has no such split.
    public var partialLogSumExp: [Float]
    /// The partial buffers' first dimension (node slots in the invariant mode).
    public var splits: Int
  }

  /// Why a problem cannot run here, or `nil` when it can (``DecodeSupport``).
  public static func unsupportedReason(_ p: AttentionProblem) -> String? {
    DecodeSupport.unsupportedReason(p)
  }

  /// Executes `schedule` on `inputs`: setup, one launch, read-back.
  ///
  /// With `order: .canonicalTree` (the invariant mode) O and LSE are the same
  /// bits for every schedule of the problem, and the partial buffers hold the
  /// emitted canonical-tree node states by slot (``TreeUpload``).
  ///
  /// - Throws: ``CUDAError/unsupported(_:)`` for a problem or schedule the
  ///   kernels do not handle, ``CUDAError/peerNeverArrived(waitMilliseconds:)``,
  ///   or a failing driver call.
  public func run<Element: CUDAElement>(
    _ schedule: Schedule, on inputs: AttentionInputs<Element>, order: ReductionOrder = .leftFold
  ) throws(CUDAError) -> Result {
    let launch = try DecodeLaunch(self, schedule: schedule, inputs: inputs, order: order)
    try launch.enqueue()
    try launch.finish()
    return try launch.readBack()
  }

  /// Runs `schedule` with one more peer claimed for its first split output
  /// than the schedule has, so that output's host waits for a peer that never
  /// arrives. The call must end with ``CUDAError/peerNeverArrived(waitMilliseconds:)``
  /// within about `waitNanoseconds`; a test of the bounded wait.
  ///
  /// - Throws: ``CUDAError/unsupported(_:)`` when no output has a host that merges.
  public func runWithMissingPeer<Element: CUDAElement>(
    _ schedule: Schedule, on inputs: AttentionInputs<Element>, waitNanoseconds: Int64
  ) throws(CUDAError) -> Result {
    var upload = try ScheduleUpload(schedule, problem: inputs.problem)
    guard schedule.reduction == .hostMerge,
      let out = upload.pieceCounts.firstIndex(where: { $0 > 1 })
    else { throw .unsupported("the schedule has no host that merges peers") }
    upload.pieceCounts[out] += 1
    upload.maxSplits = max(upload.maxSplits, Int(upload.pieceCounts[out]))
    let launch = try DecodeLaunch(
      self, upload: upload, reduction: .hostMerge, blockN: schedule.blockN,
      outputs: schedule.outputs, inputs: inputs, waitNanoseconds: waitNanoseconds)
    try launch.enqueue()
    try launch.finish()
    return try launch.readBack()
  }

  /// Enqueues a one-thread kernel that spins for `nanoseconds`, so that the
  /// host can queue work behind it before the GPU starts on that work.
  func spin(nanoseconds: Int64) throws(CUDAError) {
    let args = KernelArguments()
    args.add(nanoseconds)
    let r = args.withPointers {
      device.driver.cuLaunchKernel(try? function("la_spin"), 1, 1, 1, 1, 1, 1, 0, nil, $0, nil)
    }
    try device.driver.check(r, "cuLaunchKernel(la_spin)")
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
