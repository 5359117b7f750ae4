/// The segment and combine kernels' one parameter, `struct LaParams` in `decode.cu`.
///
/// The kernel source declares the fields and their order; this type lists the
/// same names in the same order (``fieldNames``, compared with the source by a
/// test) and lays the values out as the C compiler does: every field at a
/// multiple of its size. `LaParams` puts its pointers first, then its 32-bit
/// fields (an even number of them), then its 64-bit one, so there is no padding.
public struct KernelParameters {
  public enum Mode: Int32, Sendable {
    /// Host CTAs merge in the launch (`LA_LEAN`).
    case hostMerge = 0
    /// Every piece writes its partial state; a combine launch merges (`LA_PARTIALS_ONLY`).
    case partialsOnly = 1
  }

  public var q: UInt64 = 0
  public var k: UInt64 = 0
  public var v: UInt64 = 0
  public var kvOffsets: UInt64 = 0
  public var pageTable: UInt64 = 0
  public var visible: UInt64 = 0
  public var ctaOffsets: UInt64 = 0
  public var segments: UInt64 = 0
  public var outputs: UInt64 = 0
  public var pieceCounts: UInt64 = 0
  public var partialO: UInt64 = 0
  public var partialLSE: UInt64 = 0
  public var flags: UInt64 = 0
  public var error: UInt64 = 0
  public var o: UInt64 = 0
  public var lse: UInt64 = 0
  public var treeOutputs: UInt64 = 0
  public var treeSlots: UInt64 = 0
  public var treeNodes: UInt64 = 0
  public var pageWidth: Int32 = 0
  public var pageSize: Int32 = 0
  public var queryHeads: Int32 = 0
  public var kvHeads: Int32 = 0
  public var blockN: Int32 = 0
  public var maxSplits: Int32 = 1
  public var totalRows: Int32 = 0
  public var mode: Mode = .hostMerge
  public var epoch: Int32 = 1
  public var maxSlots: Int32 = 1
  /// Unused: keeps the 32-bit fields an even number, so the 64-bit one needs no padding.
  public var padding: Int32 = 0
  public var scaleLog2: Float = 0
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
