import LeanAttention

/// The named cases golden files are made from: the shapes and masks that break real kernels.
///
/// Every case is small enough for the committed corpus (under 10 MB in all),
/// except the paper's example, which `leanattn golden` and `make demo` write on demand.
public enum CaseCatalog {
  /// The default seed of the corpus.
  public static let defaultSeed: UInt64 = 2024

  /// Every case, in catalog order.
  ///
  /// - Throws: never for the built-in shapes; the signature is honest about
  ///   `AttentionProblem`'s validation.
  public static func all() throws(AttentionError) -> [GoldenCase] {
    func decode(_ lengths: [Int]) -> [RequestShape] {
      lengths.map { RequestShape(queryLength: 1, kvLength: $0) }
    }
    func problem(
      _ r: [RequestShape], _ hq: Int, _ hkv: Int, _ d: Int, mask: AttentionMask = .causal(),
      softCap: Double? = nil
    ) throws(AttentionError) -> AttentionProblem {
      try AttentionProblem(
        requests: r, queryHeads: hq, kvHeads: hkv, headDim: d, mask: mask, softCap: softCap)
    }
    return [
      GoldenCase(
        name: "decode-mha",
        summary:
          "Decode, multi-head (Hq = Hkv = 4), D 64, three requests of 1, 129 and 500 tokens: the KV tail of a block and a single-token cache.",
        problem: try problem(decode([1, 129, 500]), 4, 4, 64), dtype: .f16),
      GoldenCase(
        name: "decode-gqa",
        summary:
          "Decode, grouped-query (16 query heads over 2 KV heads, ratio 8), D 128, BF16; carries the lean partial states for an H100.",
        problem: try problem(decode([17, 300, 700]), 16, 2, 128), dtype: .bf16,
        corpusPartials: PartialsRequest(partitioner: .lean, device: .h100)),
      GoldenCase(
        name: "decode-mqa",
        summary: "Decode, multi-query (8 query heads, 1 KV head), D 128, F16.",
        problem: try problem(decode([64, 511]), 8, 1, 128), dtype: .f16,
        corpusPartials: PartialsRequest(partitioner: .fixedSplit, device: .a100)),
      GoldenCase(
        name: "paper-56x6144",
        summary:
          "The LeanAttention paper's example: decode, 1 request, 56 heads, 6144 KV tokens, D 128, F16. Not committed (176 MB); written by `make demo`.",
        problem: try problem(decode([6144]), 56, 56, 128), dtype: .f16, inCorpus: false,
        corpusPartials: PartialsRequest(partitioner: .lean, device: .h100)),
      GoldenCase(
        name: "ragged-decode",
        summary:
          "A ragged decode batch with KV lengths spread from 1 to 32768 (1, 2, 37, 513, 4097, 32768), 4 query heads over 1 KV head, D 16 to keep the corpus small.",
        problem: try problem(decode([1, 2, 37, 513, 4097, 32768]), 4, 1, 16), dtype: .f16),
      GoldenCase(
        name: "chunked-prefill",
        summary:
          "Chunked prefill: 256 new query tokens over 4096 cached ones (KV 4352), bottom-right causal, so query i sees 4096 + i + 1 keys. D 32, BF16.",
        problem: try problem(
          [RequestShape(queryLength: 256, kvLength: 4352)], 2, 1, 32), dtype: .bf16),
      GoldenCase(
        name: "prefill-causal",
        summary: "Square causal prefill (192 × 192), 2 heads, D 64, F32.",
        problem: try problem([RequestShape(queryLength: 192, kvLength: 192)], 2, 2, 64),
        dtype: .f32),
      GoldenCase(
        name: "prefill-top-left",
        summary:
          "Top-left causal (PyTorch `is_causal`) with more keys than queries (100 × 160): query i sees keys 0…i, not the bottom-right diagonal.",
        problem: try problem(
          [RequestShape(queryLength: 100, kvLength: 160)], 4, 2, 64, mask: .causal(.topLeft)),
        dtype: .f16),
      GoldenCase(
        name: "sliding-window",
        summary:
          "Sliding window (left 40, right 8; FlashAttention's window_size) on a square and a rectangular request, where windows are clipped at both ends.",
        problem: try problem(
          [
            RequestShape(queryLength: 256, kvLength: 256),
            RequestShape(queryLength: 64, kvLength: 300),
          ],
          2, 2, 64, mask: .slidingWindow(left: 40, right: 8)),
        dtype: .bf16),
      GoldenCase(
        name: "soft-cap",
        summary:
          "Logit soft-cap 30 (cap · tanh(s / cap), as Gemma 2 uses), with Q and K both scaled ×4 so the cap bends most scores. Causal 128 × 128, D 64, F16.",
        problem: try problem(
          [RequestShape(queryLength: 128, kvLength: 128)], 2, 2, 64, softCap: 30),
        dtype: .f16, queryScale: 4, keyScale: 4),
      GoldenCase(
        name: "paged-kv",
        summary:
          "Decode over a paged KV cache: 16-token pages taken from a shuffled pool, page table per request, lengths that end mid-page. 8 query heads over 2 KV heads, D 128; carries fixed-split partials for an H100.",
        problem: try problem(decode([5, 40, 100, 257]), 8, 2, 128), dtype: .f16,
        layout: .paged(pageSize: 16),
        corpusPartials: PartialsRequest(partitioner: .fixedSplit, device: .h100)),
      GoldenCase(
        name: "fully-masked-rows",
        summary:
          "Bottom-right causal with more queries than keys (8 × 4): the first 4 query rows see no key, so O = 0 and LSE = −∞ there.",
        problem: try problem(
          [RequestShape(queryLength: 8, kvLength: 4), RequestShape(queryLength: 6, kvLength: 6)],
          2, 2, 64),
        dtype: .f32),
      GoldenCase(
        name: "zero-length",
        summary:
          "Zero-length requests among normal ones: (0, 5), (3, 0), (0, 0), (2, 7), (1, 1). A request with no keys gives O = 0, LSE = −∞.",
        problem: try problem(
          [(0, 5), (3, 0), (0, 0), (2, 7), (1, 1)].map {
            RequestShape(queryLength: $0, kvLength: $1)
          },
          2, 1, 64, mask: .none),
        dtype: .f16),
      GoldenCase(
        name: "extreme-scores",
        summary:
          "Scores of magnitude about 1e4 in F32 (Q and K scaled ×100): a softmax without max subtraction overflows; 64 × 64, no mask.",
        problem: try problem(
          [RequestShape(queryLength: 64, kvLength: 64)], 2, 2, 64, mask: .none),
        dtype: .f32, queryScale: 100, keyScale: 100),
      GoldenCase(
        name: "head-dim-256",
        summary: "Decode with head dim 256, 4 query heads over 1 KV head, F16.",
        problem: try problem(decode([100, 300]), 4, 1, 256), dtype: .f16),
    ]
  }

  /// The case named `name`.
  ///
  /// - Throws: `AttentionError/invalidParameter(name:value:allowed:)` for an unknown name.
  public static func named(_ name: String) throws(AttentionError) -> GoldenCase {
    let cases = try all()
    guard let c = cases.first(where: { $0.name == name }) else {
      throw .invalidParameter(
        name: "case", value: name, allowed: cases.map(\.name).joined(separator: ", "))
    }
    return c
  }
}
