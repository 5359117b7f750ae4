import Foundation
import LeanAttention
import SafeTensors

/// Makes golden files: seeded inputs, exact outputs and optional partial states.
public enum GoldenWriter {
  /// The golden file of `goldenCase` under `seed`.
  ///
  /// Inputs are drawn with ``SeededInputs`` in Float64 and rounded to the
  /// case's dtype; `o`/`lse` are `FixedOrderAttention` in Float64 and
  /// `o_f32`/`lse_f32` in Float32, both from the rounded inputs. With
  /// `partials`, the schedule's partial states, computed by `ScheduleExecutor`
  /// in Float64 with the same fixed-order arithmetic, are added in
  /// split-major layout. The result is a pure function of its arguments: the
  /// same bytes on every machine (no BLAS, no libm).
  ///
  /// `stage` is called with the name of each step as it starts (inputs,
  /// Float64 attention, Float32 attention, partial states, checksums), for a
  /// progress display.
  ///
  /// - Throws: ``GoldenError``.
  /// - Complexity: O(the case's attention work).
  public static func make(
    _ goldenCase: GoldenCase, seed: UInt64, partials: PartialsRequest? = nil,
    stage: (String) -> Void = { _ in }
  ) throws(GoldenError) -> SafeTensorsWriter {
    switch goldenCase.dtype {
    case .f16:
      return try make(goldenCase, seed: seed, partials: partials, stage: stage, as: Float16.self)
    case .bf16:
      return try make(goldenCase, seed: seed, partials: partials, stage: stage, as: BFloat16.self)
    case .f32:
      return try make(goldenCase, seed: seed, partials: partials, stage: stage, as: Float.self)
    }
  }

  /// The case's inputs in its dtype.
  public static func inputs<Element: StorageScalar>(
    _ c: GoldenCase, seed: UInt64, as _: Element.Type
  ) throws(GoldenError) -> AttentionInputs<Element> {
    switch c.layout {
    case .contiguous:
      return SeededInputs.contiguous(
        c.problem, seed: seed, as: Element.self, queryScale: c.queryScale, keyScale: c.keyScale)
    case .paged(let pageSize):
      do {
        return try SeededInputs.paged(
          c.problem, seed: seed, pageSize: pageSize, as: Element.self, queryScale: c.queryScale,
          keyScale: c.keyScale)
      } catch { throw .attention(error) }
    }
  }

  static func make<Element: StorageScalar & SafeTensorElement>(
    _ c: GoldenCase, seed: UInt64, partials: PartialsRequest?, stage: (String) -> Void,
    as _: Element.Type
  ) throws(GoldenError) -> SafeTensorsWriter {
    let p = c.problem
    stage("inputs")
    let inputs = try inputs(c, seed: seed, as: Element.self)
    stage("attention f64")
    let exact64 = FixedOrderAttention.compute(inputs, in: Double.self)
    stage("attention f32")
    let exact32 = FixedOrderAttention.compute(inputs, in: Float.self)
    var w = SafeTensorsWriter()
    // Names are fixed and unique and shapes come with the values, so this
    // cannot fail for a valid problem; it is still checked.
    func add<T: SafeTensorElement>(_ name: String, _ shape: [Int], _ values: [T])
      throws(GoldenError)
    {
      do { try w.add(name, shape: shape, values: values) } catch { throw .file(error) }
    }
    typealias T = GoldenFormat.Tensor
    try add(T.queryOffsets, [p.batchSize + 1], p.queryOffsets.map { Int32($0) })
    try add(T.kvOffsets, [p.batchSize + 1], p.kvOffsets.map { Int32($0) })
    try add(T.queries, inputs.queries.shape, inputs.queries.storage)
    switch inputs.keyValues {
    case .contiguous(let k, let v):
      try add(T.keys, k.shape, k.storage)
      try add(T.values, v.shape, v.storage)
    case .paged(let k, let v, let table):
      try add(T.keyCache, k.shape, k.storage)
      try add(T.valueCache, v.shape, v.storage)
      let width = table.map(\.count).max() ?? 0
      let padded = table.flatMap { $0 + [Int32](repeating: -1, count: width - $0.count) }
      try add(T.pageTable, [p.batchSize, width], padded)
    }
    try add(T.output, exact64.output.shape, exact64.output.storage)
    try add(T.logSumExp, exact64.logSumExp.shape, exact64.logSumExp.storage)
    try add(T.output32, exact32.output.shape, exact32.output.storage)
    try add(T.logSumExp32, exact32.logSumExp.shape, exact32.logSumExp.storage)
    if let partials {
      stage("partial states")
      let schedule: Schedule
      let run: ScheduleExecutor.Execution<Double>
      do {
        schedule = try partials.partitioner.make().schedule(p, on: partials.device)
        run = try ScheduleExecutor.run(
          schedule, on: inputs, in: Double.self, arithmetic: .fixedOrder)
      } catch { throw .attention(error) }
      let split = run.splitMajorPartials()
      try add(T.partialOutput, split.output.shape, split.output.storage)
      try add(T.partialLogSumExp, split.logSumExp.shape, split.logSumExp.storage)
      w.metadata[GoldenFormat.Key.partials] = PartialsDescription(schedule).json.serialized
    }
    stage("checksums")
    let sums = w.checksums.map { (key: $0.name, value: JSONValue.string($0.sha256)) }
    w.metadata[GoldenFormat.Key.formatVersion] = GoldenFormat.formatVersion
    w.metadata[GoldenFormat.Key.libraryVersion] = GoldenFormat.libraryVersion
    w.metadata[GoldenFormat.Key.caseDescription] = CaseDescription(c, seed: seed).json.serialized
    w.metadata[GoldenFormat.Key.checksums] = JSONValue.object(sums).serialized
    return w
  }
}
