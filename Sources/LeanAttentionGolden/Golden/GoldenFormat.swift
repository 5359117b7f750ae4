/// The versioned contract of golden files: tensor names and metadata keys.
///
/// Other projects read golden files without this library, so these names
/// change only with ``formatVersion``. `Docs/GoldenFiles.md` documents them.
public enum GoldenFormat {
  /// The `format_version` this library writes and reads.
  public static let formatVersion = "1"
  /// This library's version, recorded in every file.
  public static let libraryVersion = "0.1.0"

  /// Metadata keys.
  public enum Key {
    /// Key of ``GoldenFormat/formatVersion``.
    public static let formatVersion = "format_version"
    /// Key of ``GoldenFormat/libraryVersion``.
    public static let libraryVersion = "library_version"
    /// The ``CaseDescription`` as JSON.
    public static let caseDescription = "case"
    /// A JSON object mapping every tensor name to the SHA-256 of its bytes.
    public static let checksums = "sha256"
    /// The schedule whose partial states the file holds, as JSON (when present).
    public static let partials = "partials"
  }

  /// Tensor names.
  public enum Tensor {
    /// `cu_seqlens_q`: int32 `[B + 1]` query offsets.
    public static let queryOffsets = "cu_seqlens_q"
    /// `cu_seqlens_k`: int32 `[B + 1]` KV offsets.
    public static let kvOffsets = "cu_seqlens_k"
    /// `q`: queries `[totalQ, Hq, D]`.
    public static let queries = "q"
    /// `k`: keys `[totalKV, Hkv, D]` (contiguous layout).
    public static let keys = "k"
    /// `v`: values `[totalKV, Hkv, D]` (contiguous layout).
    public static let values = "v"
    /// `k_cache`: keys `[pages, pageSize, Hkv, D]` (paged layout).
    public static let keyCache = "k_cache"
    /// `v_cache`: values `[pages, pageSize, Hkv, D]` (paged layout).
    public static let valueCache = "v_cache"
    /// `page_table`: int32 `[B, pages per request]` (paged layout).
    public static let pageTable = "page_table"
    /// `o`: the exact output `[totalQ, Hq, D]`, fixed-order Float64 from the rounded inputs.
    public static let output = "o"
    /// `lse`: its natural-log LSE `[totalQ, Hq]`, Float64.
    public static let logSumExp = "lse"
    /// `o_f32`: the output computed in Float32 (fixed order), from the same inputs.
    public static let output32 = "o_f32"
    /// `lse_f32`: the LSE computed in Float32, beside `o_f32`.
    public static let logSumExp32 = "lse_f32"
    /// `partial_o`: the schedule's partial outputs, split-major, Float64 (see ``PartialsDescription``).
    public static let partialOutput = "partial_o"
    /// `partial_lse`: the partial states' LSEs, split-major, Float64; −∞ for an empty split.
    public static let partialLogSumExp = "partial_lse"
  }
}
