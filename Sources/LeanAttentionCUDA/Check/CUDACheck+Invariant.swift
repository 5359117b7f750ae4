import Foundation
import LeanAttention
import LeanAttentionGolden
import SafeTensors

extension CUDACheck {
  /// Runs `c` in the invariant mode under every partitioner on every
  /// ``invariantModels()`` model, and judges it.
  ///
  /// Every schedule gets the same blockN (the head dimension's default), so
  /// the canonical tree is the same; their outputs must be the same bits. The
  /// first must agree with the CPU canonical tree (fixed-order Float64)
  /// within the golden rule's O threshold (and LSE threshold), pass the golden
  /// rule against the exact output, and the node states of lean on 132 SMs
  /// must agree with the CPU's slot by slot within the O threshold. A
  /// schedule that needs more resident CTAs than this GPU holds is skipped
  /// and appended to `skipped`.
  ///
  /// - Parameters:
  ///   - c: The case (F16 or BF16 decode).
  ///   - seed: The seed of its inputs.
  ///   - fixture: The case's golden file; `nil` to make one in memory from `seed`.
  ///   - executor: The GPU to run on.
  ///   - skipped: Where refused schedules are listed (`invariant <case> <schedule> (<why>)`).
  /// - Throws: ``CUDAError/unsupported(_:)`` for F32 cases, any other
  ///   ``CUDAError`` of the launches, and the golden rule's errors.
  /// - Complexity: two launches per partitioner and model (30 schedules, 60
  ///   launches) and one CPU canonical-tree run in Float64.
  public static func checkInvariant(
    _ c: GoldenCase, seed: UInt64, fixture: GoldenFile?, on executor: CUDAExecutor,
    skipped: inout [String]
  ) throws -> CUDAInvariantRun {
    let golden =
      try fixture
      ?? GoldenFile(
        try SafeTensorsFile(bytes: Data(try GoldenWriter.make(c, seed: seed).serialized())))
    switch c.dtype {
    case .f16:
      return try checkInvariant(c, golden, executor, Float16.self, &skipped)
    case .bf16:
      return try checkInvariant(c, golden, executor, BFloat16.self, &skipped)
    case .f32:
      throw CUDAError.unsupported("F32 inputs")
    }
  }

  static func checkInvariant<E: CUDAElement>(
    _ c: GoldenCase, _ golden: GoldenFile, _ executor: CUDAExecutor, _: E.Type,
    _ skipped: inout [String]
  ) throws -> CUDAInvariantRun {
    let x = try golden.inputs(as: E.self)
    var failures: [String] = []
    // The tree is fixed by the tiles: every partitioner gets the same blockN,
    // and only schedules of equal blockN are held to equal bits.
    let blockN = LeanTileSpace.defaultBlockN(headDim: c.problem.headDim)
    var firstOf: [Int: (CUDAExecutor.Result, String)] = [:]
    var first: (CUDAExecutor.Result, String)?
    var treePatterns: [CUDAExecutor.Result] = []
    var normalPatterns: [CUDAExecutor.Result] = []
    var nodeError: Double?
    var schedules = 0
    var cpuRun: CanonicalTreeExecution<Double>?
    for kind in PartitionerKind.allCases {
      for model in try invariantModels() {
        let schedule = try kind.make(blockN: blockN).schedule(c.problem, on: model)
        let label = "\(kind.rawValue) on \(model.name) (blockN \(schedule.blockN))"
        let runs = treeAndNormal(executor, schedule, x)
        if case .failure(.unsupported(let why)) = runs, why.contains("resident") {
          skipped.append("invariant \(c.name) \(label) (\(why))")
          continue
        }
        let (tree, normal) = try runs.get()
        schedules += 1
        if !treePatterns.contains(where: { $0.sameOutputBits(as: tree) }) {
          treePatterns.append(tree)
        }
        if !normalPatterns.contains(where: { $0.sameOutputBits(as: normal) }) {
          normalPatterns.append(normal)
        }
        if let (reference, referenceLabel) = firstOf[schedule.blockN] {
          if !tree.sameOutputBits(as: reference) {
            failures.append(
              "\(label) differs from \(referenceLabel) in \(tree.differingElements(from: reference)) O/LSE elements"
            )
          }
        } else {
          firstOf[schedule.blockN] = (tree, label)
          if first == nil { first = (tree, label) }
        }
        // The node states of one schedule against the CPU's.
        if kind == .lean && model.smCount == 132 && model.ctasPerSM == 1 {
          let cpu = try ScheduleExecutor.runCanonicalTree(
            schedule, on: x, in: Double.self, arithmetic: .fixedOrder)
          cpuRun = cpu
          if let nodes = TreeStatesComparison.compare(tree, cpu) {
            nodeError = nodes.maxAbsOutputError
            if nodes.mismatchedRows > 0 {
              failures.append("\(label): \(nodes.mismatchedRows) node rows missing or extra")
            }
          } else {
            failures.append("\(label): fewer node slots than the CPU emits")
          }
        }
      }
    }
    guard let (result, _) = first else {
      return CUDAInvariantRun(
        name: c.name, dtype: c.dtype.rawValue, headDim: c.problem.headDim, schedules: 0,
        treePatterns: 0, normalPatterns: 0, maxError: 0, threshold: 0, maxLogSumExpError: 0,
        logSumExpThreshold: 0, nodeError: nil, failures: ["no schedule could run"])
    }
    // The CPU's canonical result, the same for every schedule (the CPU property tests).
    let cpu =
      try cpuRun?.result
      ?? ScheduleExecutor.runCanonicalTree(
        try PerHeadPartitioner().schedule(c.problem, on: .h100), on: x, in: Double.self,
        arithmetic: .fixedOrder
      ).result
    let output = result.outputBits.map { E(bits: $0).doubleValue }
    let verdict = try Comparison.judge(
      golden: golden, output: output, dtype: c.dtype.dtype,
      logSumExp: result.logSumExp.map(Double.init))
    failures += verdict.failures.map { "against the exact output: \($0)" }
    let threshold = verdict.outputThreshold ?? 0
    let lseThreshold = verdict.logSumExpThreshold ?? 0
    var maxError = 0.0
    for (a, b) in zip(output, cpu.output.storage) {
      let delta = abs(a - b)
      if !(delta <= maxError) { maxError = delta }
    }
    var maxLSE = 0.0
    for (a, b) in zip(result.logSumExp, cpu.logSumExp.storage) {
      let (a, b) = (Double(a), b)
      guard a.isFinite || b.isFinite else { continue }
      let delta = a == b ? 0 : abs(a - b)
      if !(delta <= maxLSE) { maxLSE = delta }
    }
    if !(maxError <= threshold) {
      failures.append(
        "max |ΔO| against the CPU canonical tree \(String(format: "%.3e", maxError)) > \(String(format: "%.3e", threshold))"
      )
    }
    if verdict.logSumExpThreshold != nil, !(maxLSE <= lseThreshold) {
      failures.append(
        "max |ΔLSE| against the CPU canonical tree \(String(format: "%.3e", maxLSE)) > \(String(format: "%.3e", lseThreshold))"
      )
    }
    if let nodeError, !(nodeError <= threshold) {
      failures.append(
        "node states: max |Δo| \(String(format: "%.3e", nodeError)) > \(String(format: "%.3e", threshold))"
      )
    }
    return CUDAInvariantRun(
      name: c.name, dtype: c.dtype.rawValue, headDim: c.problem.headDim, schedules: schedules,
      treePatterns: treePatterns.count, normalPatterns: normalPatterns.count, maxError: maxError,
      threshold: threshold, maxLogSumExpError: maxLSE, logSumExpThreshold: lseThreshold,
      nodeError: nodeError, failures: failures)
  }

  /// One launch in the invariant mode and one in the normal mode.
  static func treeAndNormal<E: CUDAElement>(
    _ executor: CUDAExecutor, _ schedule: Schedule, _ x: AttentionInputs<E>
  ) -> Result<(CUDAExecutor.Result, CUDAExecutor.Result), CUDAError> {
    Result { () throws(CUDAError) in
      (
        try executor.run(schedule, on: x, order: .canonicalTree),
        try executor.run(schedule, on: x)
      )
    }
  }
}
