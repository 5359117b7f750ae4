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
///
/// Two descriptions are equal exactly when they describe the same cut, so a
/// file's partials belong to a schedule when `PartialsDescription(schedule)`
/// equals them.
public struct PartialsDescription: Hashable, Sendable {
  /// One piece: split `split` of output `output`, run by CTA `cta` over KV `blocks`.
  public struct Piece: Hashable, Sendable {
    /// Index into ``outputs``.
    public var output: Int
    /// The piece's index among its output's pieces in KV order (0 is the host's).
    public var split: Int
    /// The CTA that runs it.
    public var cta: Int
    /// Its absolute KV blocks `[first, end)`.
    public var blocks: Range<Int>
  }

  /// One output tile: packed `rows` of `(request, kvHead)`, row block `queryBlock`.
  public struct Output: Hashable, Sendable {
    /// The request.
    public var request: Int
    /// The KV head.
    public var kvHead: Int
    /// The 64-row block of the request's packed query rows.
    public var queryBlock: Int
    /// Its packed rows, global `[first, end)`.
    public var rows: Range<Int>
  }

  /// The partitioner's name.
  public var partitioner: String
  /// The device model's name.
  public var device: String
  /// SMs of the device model.
  public var smCount: Int
  /// CTA slots per SM of the device model.
  public var ctasPerSM: Int
  /// KV tokens per lean tile.
  public var blockN: Int
  /// CTAs in the schedule.
  public var grid: Int
  /// The partial tensors' first dimension: the most pieces of any output.
  public var splits: Int
  /// Every piece, by output then split.
  public var pieces: [Piece]
  /// Every output tile in global order.
  public var outputs: [Output]

  /// The description of `schedule`, read from its pieces.
  public init(_ schedule: Schedule) {
    partitioner = schedule.partitioner
    device = schedule.device.name
    smCount = schedule.device.smCount
    ctasPerSM = schedule.device.ctasPerSM
    blockN = schedule.blockN
    grid = schedule.ctas.count
    splits = schedule.maxSplits
    pieces = schedule.pieces.enumerated().flatMap { o, list in
      list.enumerated().map { Piece(output: o, split: $0, cta: $1.cta, blocks: $1.blocks) }
    }
    outputs = schedule.outputs.map {
      Output(request: $0.request, kvHead: $0.kvHead, queryBlock: $0.queryBlock, rows: $0.rows)
    }
  }

  /// Reads the metadata entry.
  ///
  /// - Throws: ``GoldenError/invalidMetadata(_:)`` naming the missing or malformed field.
  public init(json: JSONValue) throws(GoldenError) {
    func int(_ key: String) throws(GoldenError) -> Int {
      guard let v = json[key]?.intValue else {
        throw .invalidMetadata("partials: \"\(key)\" must be an integer")
      }
      return v
    }
    func rows(_ key: String) throws(GoldenError) -> [[Int]] {
      guard let list = json[key]?.arrayValue else {
        throw .invalidMetadata("partials: \"\(key)\" must be an array of 5-integer arrays")
      }
      var result: [[Int]] = []
      for entry in list {
        let values = entry.arrayValue?.compactMap(\.intValue) ?? []
        guard values.count == 5, entry.arrayValue?.count == 5, values[3] <= values[4] else {
          throw .invalidMetadata(
            "partials: every \"\(key)\" entry must be 5 integers with start ≤ end, got \(entry.serialized)"
          )
        }
        result.append(values)
      }
      return result
    }
    guard let partitioner = json["partitioner"]?.stringValue,
      let device = json["device"]?.stringValue
    else { throw .invalidMetadata("partials: \"partitioner\" and \"device\" must be strings") }
    self.partitioner = partitioner
    self.device = device
    smCount = try int("sm_count")
    ctasPerSM = try int("ctas_per_sm")
    blockN = try int("block_n")
    grid = try int("grid")
    splits = try int("splits")
    pieces = try rows("pieces").map {
      Piece(output: $0[0], split: $0[1], cta: $0[2], blocks: $0[3]..<$0[4])
    }
    outputs = try rows("outputs").map {
      Output(request: $0[0], kvHead: $0[1], queryBlock: $0[2], rows: $0[3]..<$0[4])
    }
  }

  /// The metadata entry, keys in the documented order.
  public var json: JSONValue {
    .object([
      ("partitioner", .string(partitioner)), ("device", .string(device)),
      ("sm_count", .int(smCount)), ("ctas_per_sm", .int(ctasPerSM)),
      ("block_n", .int(blockN)), ("grid", .int(grid)), ("splits", .int(splits)),
      (
        "pieces",
        .array(
          pieces.map {
            .array(
              [$0.output, $0.split, $0.cta, $0.blocks.lowerBound, $0.blocks.upperBound].map {
                .int($0)
              })
          })
      ),
      (
        "outputs",
        .array(
          outputs.map {
            .array(
              [$0.request, $0.kvHead, $0.queryBlock, $0.rows.lowerBound, $0.rows.upperBound].map {
                .int($0)
              })
          })
      ),
    ])
  }
}
