/// FlashInfer's decode plan: how many KV chunks each request gets.
///
/// Reproduces `BatchDecodeWithPagedKVCacheWorkEstimationDispatched`,
/// `PartitionPagedKVCacheBinarySearchMinNumPagePerBatch` and
/// `DecodeSplitKVIndptr` (`include/flashinfer/attention/scheduler.cuh`), and
/// the `fixed_split_size` branch of `PrefillSplitQOKVIndptr` that FlashInfer's
/// tensor-core decode uses. Everything is counted in pages:
///
/// - `max_grid_size` is CTAs per SM × SMs (FlashInfer asks the occupancy API);
/// - when `batch × KV heads ≥ max_grid_size` nothing is split: every request is one
///   chunk of `max(1, max pages)` pages;
/// - otherwise the chunk is the smallest `c` in `[max(128 / page_size, 1), max pages]`
///   (integer division, so pages of more than 128 tokens give 1) with
///   `Σᵢ ⌈pagesᵢ / c⌉ · KV heads ≤ max_grid_size`, by binary search; if the range is
///   empty (every request shorter than the lower bound) the lower bound is the chunk;
/// - request `i` then gets `⌈max(pagesᵢ, 1) / c⌉` chunks. An empty request counts
///   0 chunks in the search but 1 in the plan, so the plan may exceed the grid it
///   searched for;
/// - the split is used only if some request has more than one chunk (without CUDA
///   graphs); the chunks' partial states are merged by a separate `merge_states` pass.
///
/// FlashInfer's CUDA-graph mode (always split, grid padded to `max_grid_size / gdy`
/// chunks with idle CTAs) is not modelled.
public struct BalancedSplitPlan: Hashable, Sendable {
  /// Chunk length in pages.
  public var chunkPages: Int
  /// Chunks of each request (at least 1 each).
  public var chunks: [Int]
  /// Whether FlashInfer would run the split-KV kernel and the merge pass.
  public var splitKV: Bool

  /// A plan given as its parts; no check that they agree with a problem.
  ///
  /// - Parameters:
  ///   - chunkPages: chunk length in pages.
  ///   - chunks: chunks of each request (at least 1 each).
  ///   - splitKV: whether the split-KV kernel and the merge pass run.
  public init(chunkPages: Int, chunks: [Int], splitKV: Bool) {
    self.chunkPages = chunkPages
    self.chunks = chunks
    self.splitKV = splitKV
  }

  /// `max(128 / pageSize, 1)` in FlashInfer's unsigned integer division: the
  /// smallest chunk the search considers, at least 128 tokens for pages of up to 128.
  public static func minChunkPages(pageSize: Int) -> Int {
    Swift.max(128 / Swift.max(pageSize, 1), 1)
  }

  /// `⌈a / b⌉` for `a ≥ 0`, `b ≥ 1`, as FlashInfer's `ceil_div` computes it.
  @inlinable
  static func ceilDiv(_ a: Int, _ b: Int) -> Int { a / b + (a % b == 0 ? 0 : 1) }

  /// FlashInfer's binary search for the smallest chunk.
  ///
  /// `low` starts at `minChunk`, `high` at the largest page count; while
  /// `low < high`, `mid = (low + high) / 2` is feasible when
  /// `Σ ⌈pagesᵢ / mid⌉ · kvHeads ≤ maxGridSize` (empty requests count 0 here).
  ///
  /// - Returns: the chunk `low` and `Σ ⌈max(pagesᵢ, 1) / low⌉` (empty requests count 1).
  /// - Complexity: O(batch · log(max pages)).
  public static func searchChunk(
    pages: [Int], kvHeads: Int, maxGridSize: Int, minChunk: Int
  ) -> (chunkPages: Int, newBatchSize: Int) {
    var low = Swift.max(minChunk, 1)
    var high = pages.max() ?? 0
    while low < high {
      let mid = (low + high) / 2
      // Sums stay below Σ pages ≤ total KV tokens; the product is compared by division
      // so that no page count can overflow it.
      let chunks = pages.reduce(0) { $0 + ceilDiv(Swift.max($1, 0), mid) }
      if chunks > maxGridSize / Swift.max(kvHeads, 1) {
        low = mid + 1
      } else {
        high = mid
      }
    }
    let total = pages.reduce(0) { $0 + ceilDiv(Swift.max($1, 1), low) }
    return (low, total)
  }

  /// The decode plan for requests of `pages` pages.
  ///
  /// - Parameters:
  ///   - pages: pages of each request (`⌈KV length / page size⌉`).
  ///   - kvHeads: FlashInfer's `gdy`, the second grid dimension.
  ///   - maxGridSize: CTAs per SM × SMs.
  ///   - pageSize: tokens per page (only for the search's lower bound).
  ///   - fixedSplitSize: FlashInfer's `fixed_split_size` in pages; when at least 1,
  ///     every request gets `⌈max(pagesᵢ, 1) / fixedSplitSize⌉` chunks and the split is
  ///     used when any request has more than one. `nil` or less than 1 (FlashInfer's −1)
  ///     runs the search.
  /// - Complexity: O(batch · log(max pages)).
  public static func plan(
    pages: [Int], kvHeads: Int, maxGridSize: Int, pageSize: Int, fixedSplitSize: Int? = nil
  ) -> BalancedSplitPlan {
    if let fixed = fixedSplitSize, fixed >= 1 {
      let chunks = pages.map { ceilDiv(Swift.max($0, 1), fixed) }
      return BalancedSplitPlan(
        chunkPages: fixed, chunks: chunks, splitKV: chunks.contains { $0 > 1 })
    }
    // `batch × gdy ≥ max_grid_size`, compared without forming the product.
    if pages.count >= (maxGridSize + kvHeads - 1) / Swift.max(kvHeads, 1) {
      let longest = Swift.max(1, pages.max() ?? 1)
      return BalancedSplitPlan(
        chunkPages: longest, chunks: pages.map { _ in 1 }, splitKV: false)
    }
    let (chunk, total) = searchChunk(
      pages: pages, kvHeads: kvHeads, maxGridSize: maxGridSize,
      minChunk: minChunkPages(pageSize: pageSize))
    return BalancedSplitPlan(
      chunkPages: chunk, chunks: pages.map { ceilDiv(Swift.max($0, 1), chunk) },
      splitKV: total != pages.count)
  }
}
