/// FlashAttention-3's split decisions, reproduced from `hopper/heuristics.h`,
/// `hopper/tile_size.h`, `hopper/flash_api.cpp` (`get_num_splits`) and
/// `hopper/flash_prepare_scheduler.cu` (`prepare_varlen_num_blocks`).
///
/// The arithmetic is the shipped one: `int` where FlashAttention uses `int`
/// (32-bit, wrapping as the compiled code does), `float` where it uses `float`,
/// and `double` where C++ promotes (`0.85 * max_efficiency`).
public enum FA3SplitHeuristic {
  /// FlashAttention-3's `num_splits_heuristic`.
  ///
  /// - If `totalMBlocks ≥ 0.8f · numSMs` (in `float`): 1, unless one KV head
  ///   (`sizeOneKVHead` bytes) exceeds a 50 MiB L2, there are at least `2 · numSMs`
  ///   query blocks and the mask is neither causal nor local; then
  ///   `min(⌈sizeOneKVHead / 50 MiB⌉, maxSplits)` in 32-bit `int` arithmetic.
  /// - If `numNBlocks ≤ 4`: 1.
  /// - Otherwise, for every `s` in `1 ... min(maxSplits, numSMs, numNBlocks)` (no
  ///   skipping of counts that give the same blocks per split, unlike FlashAttention-2),
  ///   the wave efficiency `w / ⌈w⌉` with `w = float(totalMBlocks · s) / numSMs`; the
  ///   smallest `s` whose efficiency is at least `0.85 ×` the best, compared in `double`.
  public static func numSplits(
    totalMBlocks: Int32, numSMs: Int32, numNBlocks: Int32, numMBlocks: Int32,
    sizeOneKVHead: Int32, causalOrLocal: Bool, maxSplits: Int32
  ) -> Int32 {
    if Float(totalMBlocks) >= 0.8 as Float * Float(numSMs) {
      let sizeL2: Int32 = 50 * 1024 * 1024
      if sizeOneKVHead > sizeL2 && numMBlocks >= numSMs &* 2 && !causalOrLocal {
        return Swift.min((sizeOneKVHead &+ sizeL2 &- 1) / sizeL2, maxSplits)
      }
      return 1
    }
    if numNBlocks <= 4 { return 1 }
    let limit = Swift.min(maxSplits, numSMs, numNBlocks)
    guard limit >= 1 else { return 1 }
    var efficiency: [Float] = []
    efficiency.reserveCapacity(Int(limit))
    var best: Float = 0
    for s in 1...limit {
      let waves = Float(totalMBlocks &* s) / Float(numSMs)
      let e = waves / waves.rounded(.up)
      if e > best { best = e }
      efficiency.append(e)
    }
    for s in 1...limit where Double(efficiency[Int(s) - 1]) >= 0.85 * Double(best) {
      return s
    }
    return 1
  }

  /// `round_up_headdim`: 64, 96, 128, 192 or 256 (larger head dims, which
  /// FlashAttention-3 rejects, are treated as 256).
  public static func roundUpHeadDim(_ d: Int) -> Int {
    d <= 64 ? 64 : d <= 96 ? 96 : d <= 128 ? 128 : d <= 192 ? 192 : 256
  }

  /// `tile_size_fwd_sm90`: `(kBlockM, kBlockN)` of the Hopper forward kernel.
  public static func tileSizeSM90(
    headDim: Int, headDimV: Int, causal: Bool, local: Bool, elementSize: Int = 2,
    vColMajor: Bool = false, pagedKVNonTMA: Bool = false, softcap: Bool = false
  ) -> (blockM: Int, blockN: Int) {
    if elementSize == 2 {
      if headDim <= 64 {
        if headDimV == 512 { return (64, 64) }
        if headDimV == 256 { return (128, 96) }
        return (192, causal || local || pagedKVNonTMA ? 128 : 192)
      } else if headDim <= 96 {
        return (192, local || pagedKVNonTMA ? 128 : 144)
      } else if headDim <= 128 {
        return (128, causal || local || pagedKVNonTMA ? 128 : 176)
      } else if headDim <= 192 {
        return (128, pagedKVNonTMA || local ? 96 : (headDimV <= 128 ? 128 : 112))
      } else {
        return (128, local ? 64 : 80)
      }
    } else {
      if headDim <= 64 {
        return (192, 160)
      } else if headDim <= 96 {
        return (192, 128)
      } else if headDim <= 128 {
        return (128, pagedKVNonTMA ? 160 : (vColMajor || (softcap && local) ? 192 : 224))
      } else if headDim <= 192 {
        return (128, (pagedKVNonTMA || softcap) && local ? 128 : 160)
      } else {
        return (128, local ? 64 : 128)
      }
    }
  }

  /// `tile_size_fwd_sm8x`: `(kBlockM, kBlockN)` of the Ampere/Ada forward kernel.
  public static func tileSizeSM8x(
    sm86or89: Bool, headDim: Int, headDimV: Int, causal: Bool, local: Bool, elementSize: Int = 2,
    pagedKV: Bool = false, varlenAndSplit: Bool = false, softcap: Bool = false,
    appendKV: Bool = false
  ) -> (blockM: Int, blockN: Int) {
    guard elementSize == 2 else { return (128, 64) }
    if headDim <= 64 {
      return (128, varlenAndSplit ? 80 : (local ? 96 : 112))
    } else if headDim <= 96 {
      return (128, varlenAndSplit || local ? 48 : 64)
    } else if headDim <= 128 {
      let eightWarps = sm86or89 || varlenAndSplit
      return (
        128,
        eightWarps
          ? (varlenAndSplit ? (local ? 96 : 112) : (local ? 96 : 128)) : (local ? 48 : 64)
      )
    } else if headDim <= 192 {
      let blockN64 = appendKV || local || varlenAndSplit || pagedKV
      return (128, blockN64 ? 64 : 96)
    } else {
      return (
        128,
        sm86or89
          ? (appendKV ? 32 : (varlenAndSplit || local ? 48 : 64))
          : (appendKV ? 48 : (varlenAndSplit || local ? 64 : 96))
      )
    }
  }

  /// `prepare_varlen_num_blocks`: the split count of every request of a varlen batch.
  ///
  /// `blocks_per_sm = (int) ceilf(float(Σ mBlocksᵢ · nBlocksᵢ) · 1.1f · float(heads) /
  /// float(numSMs))` (left to right in `float`), then each request gets
  /// `max(min(⌈nBlocksᵢ / blocks_per_sm⌉, staticSplits), 1)`. All requests get 1 when
  /// `staticSplits` is 1 or the batch has more than 992 requests (the prepare kernel
  /// then runs more than one CTA). When every request is empty, `blocks_per_sm` is 0
  /// and FlashAttention-3 divides by zero; this returns 1 for each request.
  ///
  /// - Parameters:
  ///   - mBlocks: query blocks of each request (packed GQA rows / kBlockM).
  ///   - nBlocks: KV blocks of each request (KV length / kBlockN).
  ///   - heads: the heads of the grid: KV heads with packed GQA, query heads otherwise.
  ///   - numSMs: the device's SM count.
  ///   - staticSplits: the split count ``numSplits(totalMBlocks:numSMs:numNBlocks:numMBlocks:sizeOneKVHead:causalOrLocal:maxSplits:)``
  ///     chose for the batch as a whole: the upper bound of every request's count.
  /// - Returns: one split count per request, each in `1...max(staticSplits, 1)`.
  /// - Complexity: O(requests).
  public static func dynamicSplits(
    mBlocks: [Int32], nBlocks: [Int32], heads: Int32, numSMs: Int32, staticSplits: Int32
  ) -> [Int32] {
    if mBlocks.count > 992 || staticSplits == 1 { return nBlocks.map { _ in 1 } }
    var total: Int32 = 0
    for (m, n) in zip(mBlocks, nBlocks) { total = total &+ m &* n }
    let f = (Float(total) * (1.1 as Float) * Float(heads) / Float(numSMs)).rounded(.up)
    // C++'s out-of-range float-to-int conversion is undefined; saturate instead of trapping.
    let perSM =
      f.isNaN ? 0 : f >= 2_147_483_648 ? Int32.max : f < -2_147_483_648 ? Int32.min : Int32(f)
    guard perSM > 0 else { return nBlocks.map { _ in 1 } }
    return nBlocks.map { n in Swift.max(Swift.min((n &+ perSM &- 1) / perSM, staticSplits), 1) }
  }
}
