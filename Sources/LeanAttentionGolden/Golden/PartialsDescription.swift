import LeanAttention
import SafeTensors

/// The `partials` entry of a golden file's metadata: which schedule cut the
/// work, so a kernel author can reproduce the same split boundaries.
///
///     {"partitioner", "device", "sm_count", "ctas_per_sm", "block_n", "grid",
///      "splits", "pieces": [[output, split, cta, first_block, end_block], ...],
///      "outputs": [[request, kv_head, query_block, first_row, end_row], ...]}
///
/// Split `s` of an output tile is its `s`-th piece in KV order; piece
/// `[first_block, end_block)` covers KV tokens `[first_block · block_n,
/// min(end_block · block_n, kv_length))` of the request (blocks are absolute;
/// a masked tile's pieces lie inside its visible blocks).
public struct PartialsDescription: Hashable, Sendable {
  public var schedule: Schedule

  public init(_ schedule: Schedule) { self.schedule = schedule }

  public var json: JSONValue {
    let s = schedule
    let pieces = Schedule.pieces(outputs: s.outputs.count, ctas: s.ctas)
    var rows: [JSONValue] = []
    for (o, list) in pieces.enumerated() {
      for (k, piece) in list.enumerated() {
        rows.append(
          .array([
            .int(o), .int(k), .int(piece.cta), .int(piece.blocks.lowerBound),
            .int(piece.blocks.upperBound),
          ]))
      }
    }
    return .object([
      ("partitioner", .string(s.partitioner)), ("device", .string(s.device.name)),
      ("sm_count", .int(s.device.smCount)), ("ctas_per_sm", .int(s.device.ctasPerSM)),
      ("block_n", .int(s.blockN)), ("grid", .int(s.ctas.count)),
      ("splits", .int(pieces.map(\.count).max() ?? 0)),
      ("pieces", .array(rows)),
      (
        "outputs",
        .array(
          s.outputs.map {
            .array([
              .int($0.request), .int($0.kvHead), .int($0.queryBlock), .int($0.rows.lowerBound),
              .int($0.rows.upperBound),
            ])
          })
      ),
    ])
  }
}
