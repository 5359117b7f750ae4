import LeanAttention

extension DecodeBenchmark {
  /// Checks and times decode of `p` on `executor`'s GPU under each of the
  /// configuration's partitioners: `leanattn bench cuda`.
  ///
  /// The inputs are ``uniformInputs(_:pageSize:seed:as:budget:)`` of seed 1, checked against the memory budget; the
  /// oracle is ``sampledReference(_:count:)`` (64 rows); the copy bandwidth
  /// is measured once (``copyBandwidth(_:bytes:calls:)``). Each partitioner's
  /// schedule is made for a device model of this GPU's SM count, the lean one
  /// with the configuration's ``LeanGrid`` and every one told the segment
  /// kernel's CTAs per SM (``DecodeSupport/ctasPerSM(rowsPerPass:)``). Its
  /// output is judged once (``judge(_:against:dtype:)``) and then timed
  /// (``time(_:calls:warmUp:l2Bytes:)``). With the invariant mode the same
  /// schedule runs again in the canonical-tree order: judged by the same
  /// rule, compared in bits with the first invariant output of the same
  /// blockN, timed by the same rules. A failed check is recorded, not thrown.
  ///
  /// - Parameters:
  ///   - p: The decode problem (``workload(_:queryHeads:kvHeads:headDim:)``).
  ///   - configuration: The partitioners, element type and rules.
  ///   - executor: The GPU to run on.
  ///   - progress: Called on this thread with the setup, then with each
  ///     measurement as it completes.
  /// - Throws: ``DecodeBenchmarkError`` when `p` does not fit the kernels
  ///   (``Configuration/check(_:)``), `AttentionError` for a schedule the
  ///   partitioner refuses, ``CUDAError`` for a launch the kernels refuse or a
  ///   failing driver call.
  /// - Complexity: one checked launch and `calls` + 10 timed ones per
  ///   partitioner and mode, plus the oracle's O(64 · visible keys · D).
  public static func measure(
    _ p: AttentionProblem, _ configuration: Configuration, on executor: CUDAExecutor,
    progress: (Event) -> Void = { _ in }
  ) throws -> Report {
    try configuration.check(p)
    switch configuration.dtype {
    case .f16:
      return try measure(p, configuration, executor, Float16.self, progress)
    case .bf16:
      return try measure(p, configuration, executor, BFloat16.self, progress)
    }
  }

  static func measure<E: CUDAElement>(
    _ p: AttentionProblem, _ configuration: Configuration, _ executor: CUDAExecutor,
    _: E.Type, _ progress: (Event) -> Void
  ) throws -> Report {
    let dtype = configuration.dtype
    let inputs = try uniformInputs(p, pageSize: configuration.pageSize, seed: 1, as: E.self)
    let reference = sampledReference(inputs)
    let copy = try copyBandwidth(executor)
    let bytes = bytesMoved(p, elementBytes: dtype.bytes)
    let floor = bytes / copy * 1e6
    let model = try DeviceModel(
      name: executor.device.name, smCount: executor.device.multiprocessors)
    let setup = Setup(
      deviceName: executor.device.name, multiprocessors: executor.device.multiprocessors,
      dtype: dtype, kvLengths: p.requests.map(\.kvLength), queryHeads: p.queryHeads,
      kvHeads: p.kvHeads, headDim: p.headDim, pageSize: configuration.pageSize,
      copyBandwidth: copy, bytes: bytes, floorMicroseconds: floor)
    progress(.setUp(setup))

    let leanGrid: Int? =
      switch configuration.leanGrid {
      case .kernelSlots: nil
      case .resident: try executor.residentCTAs(p, E.self)
      case .ctas(let n): n
      }
    // The tree is fixed by the tiles: bits are compared among schedules of one blockN.
    var treeReferences: [Int: CUDAExecutor.Result] = [:]
    var leanMicroseconds: Double?
    var measurements: [Measurement] = []
    for kind in configuration.partitioners {
      let schedule = try partitioner(kind, for: p, leanGrid: leanGrid).schedule(p, on: model)
      let launch = try DecodeLaunch(executor, schedule: schedule, inputs: inputs)
      try launch.enqueue()
      try launch.finish()
      let verdict = judge(try launch.readBack(), against: reference, dtype: dtype)
      let t = try time(launch, calls: configuration.calls, l2Bytes: configuration.l2Bytes)
      let gbps = bytes / (t.medianMicroseconds * 1e-6) / 1e9
      if kind == .lean { leanMicroseconds = t.medianMicroseconds }

      var invariant: Measurement.Invariant?
      if configuration.invariant {
        let treeLaunch = try DecodeLaunch(
          executor, schedule: schedule, inputs: inputs, order: .canonicalTree)
        try treeLaunch.enqueue()
        try treeLaunch.finish()
        let tree = try treeLaunch.readBack()
        let treeVerdict = judge(tree, against: reference, dtype: dtype)
        let bitwise = treeReferences[schedule.blockN].map { tree.sameOutputBits(as: $0) } ?? true
        if treeReferences[schedule.blockN] == nil { treeReferences[schedule.blockN] = tree }
        let treeTiming = try time(
          treeLaunch, calls: configuration.calls, l2Bytes: configuration.l2Bytes)
        invariant = Measurement.Invariant(
          timing: treeTiming, blockN: schedule.blockN, maxAbsError: treeVerdict.maxAbsError,
          bitwise: bitwise, passed: treeVerdict.passed && bitwise,
          ratio: treeTiming.medianMicroseconds / t.medianMicroseconds,
          ratioToLean: leanMicroseconds.map { treeTiming.medianMicroseconds / $0 })
      }
      let m = Measurement(
        partitioner: kind, grid: launch.grid, splits: launch.splits,
        combineGrid: launch.combineGrid, kernelName: launch.kernelName, timing: t, bytes: bytes,
        gigabytesPerSecond: gbps, copyGigabytesPerSecond: copy / 1e9,
        fractionOfCopy: gbps * 1e9 / copy, floorMicroseconds: floor,
        maxAbsError: verdict.maxAbsError, errorLimit: verdict.errorLimit,
        passed: verdict.passed, invariant: invariant)
      measurements.append(m)
      progress(.measured(m))
    }
    return Report(setup: setup, measurements: measurements)
  }
}
