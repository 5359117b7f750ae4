import LeanAttention
import SafeTensors

extension GoldenWriter {
  /// Names of the canonical-tree entries of a golden file (`Docs/PartitionInvariance.md`).
  public enum CanonicalTreeNames {
    /// Emitted node outputs, `[slots, totalQ, Hq, D]`, Float64.
    public static let output = "tree_o"
    /// Emitted node LSEs (natural log), `[slots, totalQ, Hq]`, Float64.
    public static let logSumExp = "tree_lse"
    /// Metadata: the schedule (as `partials` describes it) and every emitted node.
    public static let metadata = "canonical_tree"
  }

  /// Adds the canonical node states of a schedule of `goldenCase` to `writer`.
  ///
  /// The schedule is `request`'s partitioner on its device; it runs with
  /// `ScheduleExecutor/runCanonicalTree(_:on:in:arithmetic:)` in Float64
  /// with fixed-order arithmetic, so the tensors are the same bytes on every
  /// machine. Slot `j` of an output tile holds its `j`-th emitted node in KV
  /// order. The metadata entry is the ``PartialsDescription`` of the schedule
  /// plus `"nodes": [[output, slot, split, cta, level, index, first_tile,
  /// end_tile], …]`, tiles counted from the output's first visible block. The
  /// `sha256` entry is rewritten to cover the new tensors.
  ///
  /// - Throws: ``GoldenError``.
  /// - Complexity: O(the case's attention work).
  public static func addCanonicalTree(
    to writer: inout SafeTensorsWriter, case goldenCase: GoldenCase, seed: UInt64,
    schedule request: PartialsRequest
  ) throws(GoldenError) {
    switch goldenCase.dtype {
    case .f16:
      try addCanonicalTree(to: &writer, goldenCase, seed, request, as: Float16.self)
    case .bf16:
      try addCanonicalTree(to: &writer, goldenCase, seed, request, as: BFloat16.self)
    case .f32:
      try addCanonicalTree(to: &writer, goldenCase, seed, request, as: Float.self)
    }
  }

  static func addCanonicalTree<Element: StorageScalar>(
    to w: inout SafeTensorsWriter, _ c: GoldenCase, _ seed: UInt64, _ request: PartialsRequest,
    as _: Element.Type
  ) throws(GoldenError) {
    let inputs = try inputs(c, seed: seed, as: Element.self)
    let run: CanonicalTreeExecution<Double>
    do {
      let schedule = try request.partitioner.make().schedule(c.problem, on: request.device)
      run = try ScheduleExecutor.runCanonicalTree(
        schedule, on: inputs, in: Double.self, arithmetic: .fixedOrder)
    } catch { throw .attention(error) }
    let states = run.splitMajorNodeStates()
    do {
      try w.add(
        CanonicalTreeNames.output, shape: states.output.shape, values: states.output.storage)
      try w.add(
        CanonicalTreeNames.logSumExp, shape: states.logSumExp.shape,
        values: states.logSumExp.storage)
    } catch { throw .file(error) }
    var nodes: [JSONValue] = []
    for (o, list) in run.nodes.enumerated() {
      let tree = run.tree(output: o)
      for (slot, emitted) in list.enumerated() {
        let tiles = tree.leaves(of: emitted.node)
        nodes.append(
          .array(
            [
              o, slot, emitted.split, emitted.cta, emitted.node.level, emitted.node.index,
              tiles.lowerBound, tiles.upperBound,
            ].map { .int($0) }))
      }
    }
    var entries: [(key: String, value: JSONValue)] = []
    if case .object(let pairs) = PartialsDescription(run.schedule).json { entries = pairs }
    entries.append((key: "nodes", value: .array(nodes)))
    w.metadata[CanonicalTreeNames.metadata] = JSONValue.object(entries).serialized
    let sums = w.checksums.map { (key: $0.name, value: JSONValue.string($0.sha256)) }
    w.metadata[GoldenFormat.Key.checksums] = JSONValue.object(sums).serialized
  }
}
