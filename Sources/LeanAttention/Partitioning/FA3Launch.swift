/// What FlashAttention-3's forward entry point (`mha_fwd`) sees for a problem:
/// sequence lengths, the normalized causal/local flags, the tile sizes, and the
/// split count of `get_num_splits`.
///
/// The mask is normalized as `mha_fwd` does: a window side at least the sequence
/// length minus one becomes unbounded (−1); with one query token and no window the
/// problem is not causal (for head dims in 65…128 FlashAttention-3 keeps it causal only
/// for a paged KV cache, which this library's problems are not); causal is
/// `left < 0 && right == 0`; local is any other bounded side. Top-left causal, which
/// FlashAttention-3 does not offer, is treated as its (bottom-right) causal.
/// Inputs are fp16/bf16 (2-byte elements), `headdim_v == headdim`, no paged KV, no
/// appended KV.
public struct FA3Launch: Hashable, Sendable {
  /// Requests in the batch (`batch_size`).
  public var batch: Int32
  /// `seqlen_q`, or `max_seqlen_q` for a varlen batch.
  public var seqlenQ: Int32
  /// `seqlen_k`, or `max_seqlen_k` for a varlen batch.
  public var seqlenK: Int32
  /// Query heads (`num_heads`).
  public var heads: Int32
  /// Key/value heads (`num_heads_k`).
  public var kvHeads: Int32
  /// Head dimension (`head_size`), before rounding up to a kernel's size.
  public var headDim: Int32
  /// `is_causal` after normalization: no left window, right window 0.
  public var causal: Bool
  /// `is_local`: a bounded window that is not plain causal.
  public var local: Bool
  /// Window sides after `set_params_fprop` (−1 replaced by `seqlen_k − 1` / `seqlen_q − 1`).
  public var windowLeft: Int32
  /// See ``windowLeft``.
  public var windowRight: Int32
  /// Compute capability × 10 (80, 86, 89, 90).
  public var architecture: Int
  /// The device's SM count (`num_SMs`).
  public var numSMs: Int32
  /// Ragged lengths, given as `cu_seqlens` / `seqused`: dynamic splits per request.
  public var varlen: Bool
  /// `kBlockM`: query rows per tile, from FlashAttention-3's tile table.
  public var blockM: Int32
  /// `kBlockN` as `get_num_splits` computes it (on SM8x with `varlen` for `varlen && split`).
  public var blockN: Int32
  /// Whether `blockN` was given rather than taken from FlashAttention-3's tile table.
  public var blockNOverride: Bool
  /// Whether the problem has a soft-cap (FlashAttention-3's `softcap > 0`).
  public var softcap: Bool

  /// The compute capability of a preset: 80 for `a100`, 89 for `l4`, 90 otherwise.
  public static func architecture(of device: DeviceModel) -> Int {
    switch device.name {
    case "a100": return 80
    case "l4": return 89
    default: return 90
    }
  }

  /// The launch of `problem` on `device`.
  ///
  /// - Parameters:
  ///   - p: the problem to launch.
  ///   - device: the GPU model; its SM count is FlashAttention-3's `num_SMs`.
  ///   - varlen: `nil` treats the batch as varlen exactly when its requests' lengths differ.
  ///   - architecture: `nil` uses ``architecture(of:)``.
  ///   - blockN: overrides FlashAttention-3's `kBlockN`.
  /// - Throws: ``AttentionError/invalidParameter(name:value:allowed:)`` when a length
  ///   or count does not fit FlashAttention-3's 32-bit `int`, or `blockN < 1`.
  public init(
    problem p: AttentionProblem, device: DeviceModel, varlen: Bool? = nil,
    architecture: Int? = nil, blockN: Int? = nil
  ) throws(AttentionError) {
    func int32(_ v: Int, _ name: String) throws(AttentionError) -> Int32 {
      guard let x = Int32(exactly: v) else {
        throw .invalidParameter(
          name: name, value: "\(v)", allowed: "at most \(Int32.max) (FlashAttention-3's int)")
      }
      return x
    }
    batch = try int32(p.batchSize, "batch size")
    seqlenQ = try int32(p.maxQueryLength, "query length")
    seqlenK = try int32(p.maxKVLength, "KV length")
    heads = try int32(p.queryHeads, "query heads")
    kvHeads = try int32(p.kvHeads, "KV heads")
    headDim = try int32(p.headDim, "head dim")
    numSMs = try int32(device.smCount, "SM count")
    let arch = architecture ?? Self.architecture(of: device)
    self.architecture = arch
    let lengths = Set(p.requests.map { [$0.queryLength, $0.kvLength] })
    self.varlen = varlen ?? (lengths.count > 1)

    var isCausal = false
    var left: Int32 = -1
    var right: Int32 = -1
    switch p.mask {
    case .none: break
    case .causal: isCausal = true
    case .slidingWindow(let l, let r):
      if let l { left = try int32(l, "window left") }
      if let r { right = try int32(r, "window right") }
    }
    if left >= seqlenK &- 1 { left = -1 }
    if right >= seqlenQ &- 1 { right = -1 }
    if seqlenQ == 1 && left == -1 && right == -1 { isCausal = false }
    if isCausal { right = 0 }
    causal = left < 0 && right == 0
    local = (left >= 0 || right >= 0) && !causal
    windowLeft = left < 0 ? seqlenK &- 1 : left
    windowRight = right < 0 ? seqlenQ &- 1 : right

    let d = Int(headDim)
    let rounded = FA3SplitHeuristic.roundUpHeadDim(d)
    let tile =
      arch >= 90
      ? FA3SplitHeuristic.tileSizeSM90(
        headDim: rounded, headDimV: rounded, causal: causal, local: local,
        softcap: p.softCap != nil)
      : FA3SplitHeuristic.tileSizeSM8x(
        sm86or89: arch == 86 || arch == 89, headDim: rounded, headDimV: rounded, causal: causal,
        local: local, varlenAndSplit: self.varlen, softcap: p.softCap != nil)
    blockM = Int32(tile.blockM)
    softcap = p.softCap != nil
    blockNOverride = blockN != nil
    if let blockN {
      guard blockN >= 1 else {
        throw .invalidParameter(name: "blockN", value: "\(blockN)", allowed: "1 or more")
      }
      self.blockN = try int32(blockN, "blockN")
    } else {
      self.blockN = Int32(tile.blockN)
    }
  }

  /// The `kBlockN` the kernel runs with: on SM8x the tile table is asked again with
  /// `varlen && num_splits > 1` (`get_num_splits` passed `varlen` alone, which its
  /// comment calls an underestimate); on SM90 it is ``blockN``.
  public func kernelBlockN(staticSplits: Int32) -> Int32 {
    guard architecture < 90, !blockNOverride else { return blockN }
    let rounded = FA3SplitHeuristic.roundUpHeadDim(Int(headDim))
    return Int32(
      FA3SplitHeuristic.tileSizeSM8x(
        sm86or89: architecture == 86 || architecture == 89, headDim: rounded, headDimV: rounded,
        causal: causal, local: local, varlenAndSplit: varlen && staticSplits > 1, softcap: softcap
      ).blockN)
  }

  /// `ceil_div` in 32-bit `int`.
  static func ceilDiv(_ a: Int32, _ b: Int32) -> Int32 { (a &+ b &- 1) / b }

  /// `get_num_splits`: the split count FlashAttention-3 chooses when `num_splits ≤ 0`.
  ///
  /// Query rows are packed GQA rows (`seqlen_q · h / h_k`); a local mask loads at most
  /// `window_right + window_left + 1 + kBlockM` keys; one KV head is
  /// `seqlen_k · (d + dv) · 2` bytes; for a varlen batch the heuristic pretends the batch
  /// is 1 (one long request), giving the upper bound the dynamic splits are clamped to.
  /// The maximum is 128 splits.
  public var staticSplits: Int32 {
    let packedQ = seqlenQ &* (heads / kvHeads)
    let loadedK =
      local ? Swift.max(0, Swift.min(seqlenK, windowRight &+ windowLeft &+ 1 &+ blockM)) : seqlenK
    let nBlocks = Self.ceilDiv(loadedK, blockN)
    let mBlocks = Self.ceilDiv(packedQ, blockM)
    let sizeOneKVHead = seqlenK &* (headDim &+ headDim) &* 2
    let total = (varlen ? 1 : batch) &* kvHeads &* mBlocks
    return FA3SplitHeuristic.numSplits(
      totalMBlocks: total, numSMs: numSMs, numNBlocks: nBlocks, numMBlocks: mBlocks,
      sizeOneKVHead: sizeOneKVHead, causalOrLocal: causal || local, maxSplits: 128)
  }
}
