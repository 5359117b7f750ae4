import LeanAttention

/// Why a ``DecodeBenchmark`` could not start: an option out of range, or a
/// workload the decode kernels do not run.
///
/// Every case says what was wrong and what is allowed, so that the message can
/// be shown to a user as it is.
public enum DecodeBenchmarkError: Error, Hashable, Sendable, CustomStringConvertible {
  /// A partitioner name that is neither `all` nor a `PartitionerKind` raw value.
  case unknownPartitioner(String)
  /// An element type other than `f16` and `bf16`.
  case unknownElementType(String)
  /// A list of KV lengths that is not comma-separated non-negative integers.
  case invalidContextList(String)
  /// A batch of requests outside ``DecodeBenchmark/Contexts/batchRange``.
  case batchOutOfRange(Int)
  /// A KV length below 0 or above ``DecodeBenchmark/Contexts/maxLength``.
  case contextOutOfRange(Int)
  /// A lean grid that is neither a positive number nor `resident`.
  case invalidLeanGrid(String)
  /// Timed calls outside ``DecodeBenchmark/Configuration/callsRange``.
  case callsOutOfRange(Int)
  /// A page size outside ``DecodeBenchmark/Configuration/pageSizeRange``.
  case pageSizeOutOfRange(Int)
  /// An L2 capacity outside ``DecodeBenchmark/Configuration/l2BytesRange``.
  case l2BytesOutOfRange(Int)
  /// A paged K/V pool (whole pages of every request) of more tokens than the
  /// kernels index with 32-bit integers.
  case pagePoolTooLarge(tokens: Int)
  /// The problem itself is invalid (negative length, heads, head dimension,
  /// ragged-batch parameters).
  case invalidWorkload(AttentionError)
  /// The decode kernels do not run the problem (``DecodeSupport/unsupportedReason(_:)``).
  case unsupported(String)

  /// The error in words: what was wrong and what is allowed.
  public var description: String {
    switch self {
    case .unknownPartitioner(let name):
      return
        "unknown partitioner \(name); use all or one of \(PartitionerKind.allCases.map(\.rawValue).joined(separator: ", "))"
    case .unknownElementType(let name):
      return "dtype \(name): allowed f16 or bf16"
    case .invalidContextList(let text):
      return "contexts \"\(text)\": allowed comma-separated non-negative integers"
    case .batchOutOfRange(let n):
      let r = DecodeBenchmark.Contexts.batchRange
      return "batch \(n): allowed \(r.lowerBound) to \(r.upperBound)"
    case .contextOutOfRange(let n):
      return "a context of \(n) tokens: allowed 0 to \(DecodeBenchmark.Contexts.maxLength)"
    case .invalidLeanGrid(let text):
      return "lean grid \(text): allowed a positive number or resident"
    case .callsOutOfRange(let n):
      let r = DecodeBenchmark.Configuration.callsRange
      return "\(n) timed calls: allowed \(r.lowerBound) to \(r.upperBound)"
    case .pageSizeOutOfRange(let n):
      let r = DecodeBenchmark.Configuration.pageSizeRange
      return "page size \(n): allowed \(r.lowerBound) to \(r.upperBound)"
    case .l2BytesOutOfRange(let n):
      let r = DecodeBenchmark.Configuration.l2BytesRange
      return "L2 capacity \(n) bytes: allowed \(r.lowerBound) to \(r.upperBound)"
    case .pagePoolTooLarge(let tokens):
      return
        "a paged K/V pool of \(tokens) tokens; allowed at most \(Int32.max): use fewer requests or smaller pages"
    case .invalidWorkload(let e):
      return "\(e)"
    case .unsupported(let why):
      return "the decode kernels do not run this workload: \(why)"
    }
  }
}
