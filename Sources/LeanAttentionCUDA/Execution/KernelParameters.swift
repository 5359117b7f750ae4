/// The segment and combine kernels' one parameter, `struct LaParams` in `decode.cu`.
///
/// The kernel source declares the fields and their order; this type lists the
/// same names in the same order (``fieldNames``, compared with the source by a
/// test) and lays the values out as the C compiler does: every field at a
/// multiple of its size. `LaParams` puts its pointers first, then its 32-bit
/// fields (an even number of them), then its 64-bit one, so there is no padding.
public struct KernelParameters {
  /// How pieces of a split output are merged: the `mode` field.
  public enum Mode: Int32, Sendable {
    /// Host CTAs merge in the launch (`LA_LEAN`).
    case hostMerge = 0
    /// Every piece writes its partial state; a combine launch merges (`LA_PARTIALS_ONLY`).
    case partialsOnly = 1
  }

  /// `q`: queries `[B, Hq, D]` (decode: token `b` is request `b`).
  public var q: UInt64 = 0
  /// `k`: keys `[totalKV, Hkv, D]`, or `[pages, pageSize, Hkv, D]` when paged.
  public var k: UInt64 = 0
  /// `v`: values, laid out as ``k``.
  public var v: UInt64 = 0
  /// `kv_offsets`: int32 `[B + 1]` (contiguous layout).
  public var kvOffsets: UInt64 = 0
  /// `page_table`: int32 `[B, pageWidth]` (paged layout).
  public var pageTable: UInt64 = 0
  /// `visible`: int32 `[B, 2]`, the visible key range of each request's query.
  public var visible: UInt64 = 0
  /// `cta_offsets`: int32 `[grid + 1]` (``ScheduleUpload/ctaOffsets``).
  public var ctaOffsets: UInt64 = 0
  /// `segs`: int32 `[n, 4]` (``ScheduleUpload/segments``).
  public var segments: UInt64 = 0
  /// `outputs`: int32 `[tiles, 3]` (``ScheduleUpload/outputs``).
  public var outputs: UInt64 = 0
  /// `piece_counts`: int32 `[tiles]` (``ScheduleUpload/pieceCounts``).
  public var pieceCounts: UInt64 = 0
  /// `partial_o`: F32 `[maxSplits, totalRows, D]`.
  public var partialO: UInt64 = 0
  /// `partial_lse`: F32 `[maxSplits, totalRows]`.
  public var partialLSE: UInt64 = 0
  /// `flags`: int32 `[tiles, maxSplits]`, the epoch of each piece's last publish.
  public var flags: UInt64 = 0
  /// `error`: int32 `[1]`, set to 1 when a host gave up waiting.
  public var error: UInt64 = 0
  /// `o`: the output `[totalRows, D]` in the input's 16-bit type.
  public var o: UInt64 = 0
  /// `lse`: F32 `[totalRows]`, natural log.
  public var lse: UInt64 = 0
  /// `tree_outputs`: int32 `[tiles, 3]`, each output's first visible block,
  /// tile count and emitted node count (``TreeUpload``); invariant mode only.
  public var treeOutputs: UInt64 = 0
  /// `tree_slots`: int32 `[n]`, each segment's first node slot
  /// (``TreeUpload``); invariant mode only.
  public var treeSlots: UInt64 = 0
  /// `tree_nodes`: int32 `[tiles, maxSlots, 2]`, the level and index of each
  /// emitted node (``TreeUpload``); invariant mode only.
  public var treeNodes: UInt64 = 0
  /// `page_width`: pages per request in ``pageTable``.
  public var pageWidth: Int32 = 0
  /// `page_size`: tokens per page; 0 for the contiguous layout.
  public var pageSize: Int32 = 0
  /// `hq`: query heads.
  public var queryHeads: Int32 = 0
  /// `hkv`: key/value heads.
  public var kvHeads: Int32 = 0
  /// `block_n`: KV tokens per lean tile.
  public var blockN: Int32 = 0
  /// `max_splits`: the partial buffers' first dimension.
  public var maxSplits: Int32 = 1
  /// `total_rows`: packed query rows of the problem.
  public var totalRows: Int32 = 0
  /// `mode`: host merge in the launch, or partials then a combine launch.
  public var mode: Mode = .hostMerge
  /// `epoch`: never 0, and different from the previous launch's, so flags need no reset.
  public var epoch: Int32 = 1
  /// `max_slots`: the partial buffers' first dimension in the invariant mode (node slots).
  public var maxSlots: Int32 = 1
  /// Unused: keeps the 32-bit fields an even number, so the 64-bit one needs no padding.
  public var padding: Int32 = 0
  /// `scale_log2`: the softmax scale × log2(e).
  public var scaleLog2: Float = 0
  /// `wait_ns`: a host's longest wait for one peer.
  public var waitNanoseconds: Int64 = 0

  /// All fields zero but `maxSplits` and `epoch` (1).
  public init() {}

  /// The C field names in declaration order (`struct LaParams`).
  public static let fieldNames = [
    "q", "k", "v", "kv_offsets", "page_table", "visible", "cta_offsets", "segs", "outputs",
    "piece_counts", "partial_o", "partial_lse", "flags", "error", "o", "lse", "tree_outputs",
    "tree_slots", "tree_nodes", "page_width", "page_size", "hq", "hkv", "block_n",
    "max_splits", "total_rows", "mode", "epoch", "max_slots", "pad_", "scale_log2", "wait_ns",
  ]

  /// The struct's bytes, in ``fieldNames`` order.
  public var bytes: [UInt8] {
    var out: [UInt8] = []
    func put<T: FixedWidthInteger>(_ x: T) {
      while out.count % MemoryLayout<T>.size != 0 { out.append(0) }
      withUnsafeBytes(of: x.littleEndian) { out += $0 }
    }
    for p in [
      q, k, v, kvOffsets, pageTable, visible, ctaOffsets, segments, outputs, pieceCounts,
      partialO, partialLSE, flags, error, o, lse, treeOutputs, treeSlots, treeNodes,
    ] { put(p) }
    for i in [
      pageWidth, pageSize, queryHeads, kvHeads, blockN, maxSplits, totalRows, mode.rawValue, epoch,
      maxSlots, padding,
    ] { put(i) }
    put(scaleLog2.bitPattern)
    put(waitNanoseconds)
    while out.count % 8 != 0 { out.append(0) }
    return out
  }
}
