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
    public static let formatVersion = "format_version"
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
    public static let queryOffsets = "cu_seqlens_q"
    public static let kvOffsets = "cu_seqlens_k"
    public static let queries = "q"
    public static let keys = "k"
    public static let values = "v"
    public static let keyCache = "k_cache"
    public static let valueCache = "v_cache"
    public static let pageTable = "page_table"
    public static let output = "o"
    public static let logSumExp = "lse"
    public static let output32 = "o_f32"
    public static let logSumExp32 = "lse_f32"
    public static let partialOutput = "partial_o"
    public static let partialLogSumExp = "partial_lse"
  }
}
