import LeanAttention

/// What the decode kernels compute, checked in one place.
///
/// The executor, the schedule upload and the command-line tools all ask here,
/// so a problem is refused with the same reason everywhere.
public enum DecodeSupport {
  /// Query heads per KV head that fit one output tile.
  public static let maxGroupSize = LeanTileSpace.rowsPerTile

  /// Why the kernels cannot run `p`, or `nil` when they can.
  public static func unsupportedReason(_ p: AttentionProblem) -> String? {
    if !p.requests.allSatisfy({ $0.queryLength == 1 }) {
      return "not decode"  // the kernels compute one query token per request
    }
    if !KernelCompiler.supportedHeadDims.contains(p.headDim) {
      return
        "head dim \(p.headDim); the kernels cover \(KernelCompiler.supportedHeadDims.map(String.init).joined(separator: ", "))"
    }
    if p.softCap != nil { return "soft-cap" }
    // The kernels index rows, tokens and page-table entries with 32-bit ints.
    let limit = Int(Int32.max)
    let (rows, rowsOverflow) = p.totalQueryTokens.multipliedReportingOverflow(by: p.queryHeads)
    if rowsOverflow || rows > limit || p.totalKVTokens > limit {
      return "more than \(limit) query rows or KV tokens"
    }
    if p.groupSize > maxGroupSize {
      return "\(p.groupSize) query heads per KV head; at most \(maxGroupSize) fit a tile"
    }
    return nil
  }

  /// Throws ``CUDAError/unsupported(_:)`` with ``unsupportedReason(_:)``.
  public static func check(_ p: AttentionProblem) throws(CUDAError) {
    if let why = unsupportedReason(p) { throw .unsupported(why) }
  }

  /// Query rows one pass of the segment kernel holds: the group size rounded
  /// up to 1, 2, 4 or 8. Larger groups take several passes over the same K/V.
  public static func rowsPerPass(groupSize g: Int) -> Int {
    g <= 1 ? 1 : g <= 2 ? 2 : g <= 4 ? 4 : 8
  }

  /// CTAs per SM the segment kernel of `rowsPerPass` rows is built to keep
  /// resident (its `__launch_bounds__`, `LA_MIN_CTAS` in `decode.cu`): 4, 3
  /// and 2 for 1, 2 and 4–8 rows. A lean schedule for these kernels fills
  /// `ctasPerSM × SMs` slots (`LeanPartitioner.ctasPerSM`).
  ///
  /// - Complexity: O(1).
  public static func ctasPerSM(rowsPerPass r: Int) -> Int {
    r <= 1 ? 4 : r == 2 ? 3 : 2
  }
}
