import LeanAttention

/// A `Schedule` flattened into the int32 arrays the segment kernel reads.
///
/// - `ctaOffsets [grid + 1]`: CTA `c` runs segments `ctaOffsets[c] ..< ctaOffsets[c + 1]`, in order.
/// - `segments [n, 4]`: `(output, first block, end block, split)`; the split is
///   the piece's index in its output's KV order (0 is the host).
/// - `outputs [tiles, 3]`: `(request, kv head, first global row)`; a tile's
///   rows are that row and the next `G − 1` (decode packs a group's heads).
/// - `pieceCounts [tiles]`: pieces per output tile (0: no work, 1: written directly).
///
/// Empty segments are dropped: they change nothing.
public struct ScheduleUpload: Hashable, Sendable {
  /// CTA `c` runs segments `ctaOffsets[c] ..< ctaOffsets[c + 1]`; `grid + 1` entries.
  public var ctaOffsets: [Int32]
  /// `(output, first block, end block, split)` per segment, flat.
  public var segments: [Int32]
  /// `(request, kv head, first global row)` per output tile, flat.
  public var outputs: [Int32]
  /// Pieces per output tile (0: no work, 1: written directly).
  public var pieceCounts: [Int32]
  /// The most pieces of any output tile (at least 1): the partial buffers' first dimension.
  public var maxSplits: Int

  /// CTAs in the launch.
  public var grid: Int { ctaOffsets.count - 1 }

  /// Flattens `schedule`, after checking that the kernels can run it.
  ///
  /// - Throws: ``CUDAError/unsupported(_:)`` unless ``DecodeSupport`` accepts
  ///   `problem` and the schedule validates for it.
  public init(_ schedule: Schedule, problem p: AttentionProblem) throws(CUDAError) {
    try DecodeSupport.check(p)
    do { try schedule.validate(for: p) } catch {
      throw .unsupported("the schedule is invalid for the problem: \(error)")
    }
    let pieces = schedule.pieces
    var split: [Int: [Int: Int]] = [:]  // output → first block → split
    for (o, list) in pieces.enumerated() {
      for (k, piece) in list.enumerated() { split[o, default: [:]][piece.blocks.lowerBound] = k }
    }
    ctaOffsets = [0]
    segments = []
    for cta in schedule.ctas {
      for s in cta where !s.blocks.isEmpty {
        let k = split[s.output]?[s.blocks.lowerBound] ?? 0
        segments += [s.output, s.blocks.lowerBound, s.blocks.upperBound, k].map { Int32($0) }
      }
      ctaOffsets.append(Int32(segments.count / 4))
    }
    outputs = []
    for tile in schedule.outputs {
      let first = tile.queryRow(tile.rows.lowerBound, in: p)
      outputs += [tile.request, tile.kvHead, first].map { Int32($0) }
    }
    pieceCounts = pieces.map { Int32($0.count) }
    maxSplits = max(1, schedule.maxSplits)
  }

  /// The CTAs' segments read back from the arrays (the inverse of the upload, empty segments aside).
  public var ctas: [[Segment]] {
    (0..<grid).map { c in
      (Int(ctaOffsets[c])..<Int(ctaOffsets[c + 1])).map { s in
        Segment(
          output: Int(segments[4 * s]), blocks: Int(segments[4 * s + 1])..<Int(segments[4 * s + 2]))
      }
    }
  }

  /// The split index of every uploaded segment, in upload order.
  public var splits: [Int] { stride(from: 3, to: segments.count, by: 4).map { Int(segments[$0]) } }
}
