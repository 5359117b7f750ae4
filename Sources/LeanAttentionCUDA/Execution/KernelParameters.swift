/// The segment and combine kernels' one parameter, `struct LaParams` in `decode.cu`.
///
/// The kernel source declares the fields and their order; this type lists the
/// same names in the same order (``fieldNames``, compared with the source by a
/// test) and lays the values out as the C compiler does: every field at a
/// multiple of its size. `LaParams` puts its pointers first, then its 32-bit
/// fields, then its 64-bit one, so there is no padding.
struct KernelParameters {
  enum Mode: Int32 {
    /// Host CTAs merge in the launch (`LA_LEAN`).
    case hostMerge = 0
    /// Every piece writes its partial state; a combine launch merges (`LA_PARTIALS_ONLY`).
    case partialsOnly = 1
  }

  var q: UInt64 = 0
  var k: UInt64 = 0
  var v: UInt64 = 0
  var kvOffsets: UInt64 = 0
  var pageTable: UInt64 = 0
  var visible: UInt64 = 0
  var ctaOffsets: UInt64 = 0
  var segments: UInt64 = 0
  var outputs: UInt64 = 0
  var pieceCounts: UInt64 = 0
  var partialO: UInt64 = 0
  var partialLSE: UInt64 = 0
  var flags: UInt64 = 0
  var error: UInt64 = 0
  var o: UInt64 = 0
  var lse: UInt64 = 0
  var pageWidth: Int32 = 0
  var pageSize: Int32 = 0
  var queryHeads: Int32 = 0
  var kvHeads: Int32 = 0
  var blockN: Int32 = 0
  var maxSplits: Int32 = 1
  var totalRows: Int32 = 0
  var mode: Mode = .hostMerge
  var epoch: Int32 = 1
  var scaleLog2: Float = 0
  var waitNanoseconds: Int64 = 0

  /// The C field names in declaration order (`struct LaParams`).
  static let fieldNames = [
    "q", "k", "v", "kv_offsets", "page_table", "visible", "cta_offsets", "segs", "outputs",
    "piece_counts", "partial_o", "partial_lse", "flags", "error", "o", "lse", "page_width",
    "page_size", "hq", "hkv", "block_n", "max_splits", "total_rows", "mode", "epoch",
    "scale_log2", "wait_ns",
  ]

  /// The struct's bytes, in ``fieldNames`` order.
  var bytes: [UInt8] {
    var out: [UInt8] = []
    func put<T: FixedWidthInteger>(_ x: T) {
      while out.count % MemoryLayout<T>.size != 0 { out.append(0) }
      withUnsafeBytes(of: x.littleEndian) { out += $0 }
    }
    for p in [
      q, k, v, kvOffsets, pageTable, visible, ctaOffsets, segments, outputs, pieceCounts,
      partialO, partialLSE, flags, error, o, lse,
    ] { put(p) }
    for i in [
      pageWidth, pageSize, queryHeads, kvHeads, blockN, maxSplits, totalRows, mode.rawValue, epoch,
    ] { put(i) }
    put(scaleLog2.bitPattern)
    put(waitNanoseconds)
    while out.count % 8 != 0 { out.append(0) }
    return out
  }
}
