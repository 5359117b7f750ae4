import LeanAttention
import SafeTensors

/// The `case` entry of a golden file's metadata: everything needed to
/// recompute the file without this library (format version 1).
///
/// Written as compact JSON with keys in a fixed order:
///
///     {"name", "summary", "dtype": "F16"|"BF16"|"F32", "seed",
///      "layout": "contiguous"|"paged", "page_size" (paged only),
///      "query_std", "key_std", "value_std",
///      "requests": [[query_length, kv_length], ...],
///      "query_heads", "kv_heads", "head_dim", "scale",
///      "mask": {"type": "none"|"causal"|"sliding_window",
///               "causal_alignment": "bottom-right"|"top-left",
///               "window_left", "window_right"},   // -1 = unbounded, as FlashAttention
///      "soft_cap": null | number,
///      "lse_base": "e", "empty_row": "o=0,lse=-inf"}
public struct CaseDescription: Hashable, Sendable {
  /// The case's name.
  public var name: String
  /// What the case exercises.
  public var summary: String
  /// The element type of the inputs.
  public var dtype: CaseDType
  /// The Philox seed of the inputs.
  public var seed: UInt64
  /// Contiguous or paged keys and values.
  public var layout: CaseLayout
  /// Standard deviation of the Q samples.
  public var queryScale: Double
  /// Standard deviation of the K samples.
  public var keyScale: Double
  /// The problem: requests, heads, head dimension, scale, mask, soft-cap.
  public var problem: AttentionProblem

  /// The description of case `c` drawn with `seed`.
  public init(_ c: GoldenCase, seed: UInt64) {
    name = c.name
    summary = c.summary
    dtype = c.dtype
    self.seed = seed
    layout = c.layout
    queryScale = c.queryScale
    keyScale = c.keyScale
    problem = c.problem
  }

  /// The case this description was written from (not in the corpus, no partials).
  public var goldenCase: GoldenCase {
    GoldenCase(
      name: name, summary: summary, problem: problem, dtype: dtype, layout: layout,
      queryScale: queryScale, keyScale: keyScale, inCorpus: false)
  }

  static func number(_ x: Double) -> JSONValue {
    // Whole numbers print without ".0" so that Python's json reads ints where ints were meant.
    if x == x.rounded(), abs(x) < 0x1p53 { return .int(Int64(x)) }
    return .number("\(x)")
  }

  /// The JSON value.
  public var json: JSONValue {
    let p = problem
    var mask: [(key: String, value: JSONValue)]
    switch p.mask {
    case .none:
      mask = [("type", .string("none"))]
    case .causal(let a):
      mask = [("type", .string("causal")), ("causal_alignment", .string(a.rawValue))]
    case .slidingWindow(let l, let r):
      mask = [
        ("type", .string("sliding_window")), ("window_left", .int(l ?? -1)),
        ("window_right", .int(r ?? -1)),
      ]
    }
    var pairs: [(key: String, value: JSONValue)] = [
      ("name", .string(name)), ("summary", .string(summary)), ("dtype", .string(dtype.rawValue)),
      ("seed", .int(seed)),
    ]
    switch layout {
    case .contiguous: pairs.append(("layout", .string("contiguous")))
    case .paged(let size):
      pairs.append(("layout", .string("paged")))
      pairs.append(("page_size", .int(size)))
    }
    pairs += [
      ("query_std", Self.number(queryScale)), ("key_std", Self.number(keyScale)),
      ("value_std", .int(1)),
      ("requests", .array(p.requests.map { .array([.int($0.queryLength), .int($0.kvLength)]) })),
      ("query_heads", .int(p.queryHeads)), ("kv_heads", .int(p.kvHeads)),
      ("head_dim", .int(p.headDim)), ("scale", Self.number(p.scale)), ("mask", .object(mask)),
      ("soft_cap", p.softCap.map(Self.number) ?? .null),
      ("lse_base", .string("e")), ("empty_row", .string("o=0,lse=-inf")),
    ]
    return .object(pairs)
  }

  /// Reads a description back.
  ///
  /// - Throws: ``GoldenError/invalidMetadata(_:)`` for a missing or malformed
  ///   field, ``GoldenError/attention(_:)`` for an invalid problem.
  public init(json v: JSONValue) throws(GoldenError) {
    func field(_ key: String) throws(GoldenError) -> JSONValue {
      guard let x = v[key] else { throw .invalidMetadata("case has no \"\(key)\"") }
      return x
    }
    func int(_ key: String, in obj: JSONValue? = nil) throws(GoldenError) -> Int {
      guard let x = (obj ?? v)[key]?.intValue else {
        throw .invalidMetadata("\"\(key)\" is not an integer")
      }
      return x
    }
    func double(_ key: String) throws(GoldenError) -> Double {
      guard let x = try field(key).doubleValue else {
        throw .invalidMetadata("\"\(key)\" is not a number")
      }
      return x
    }
    func string(_ key: String, in obj: JSONValue? = nil) throws(GoldenError) -> String {
      guard let x = (obj ?? v)[key]?.stringValue else {
        throw .invalidMetadata("\"\(key)\" is not a string")
      }
      return x
    }
    name = try string("name")
    summary = try string("summary")
    guard let dt = CaseDType(rawValue: try string("dtype")) else {
      throw .invalidMetadata("dtype must be one of \(CaseDType.allCases.map(\.rawValue))")
    }
    dtype = dt
    guard case .number(let s) = try field("seed"), let sd = UInt64(s) else {
      throw .invalidMetadata("\"seed\" must be an integer in 0...2^64-1")
    }
    seed = sd
    switch try string("layout") {
    case "contiguous": layout = .contiguous
    case "paged": layout = .paged(pageSize: try int("page_size"))
    case let other: throw .invalidMetadata("layout \"\(other)\"; allowed: contiguous, paged")
    }
    queryScale = try double("query_std")
    keyScale = try double("key_std")
    guard let rs = try field("requests").arrayValue else {
      throw .invalidMetadata("\"requests\" is not an array")
    }
    var requests: [RequestShape] = []
    for r in rs {
      guard let pair = r.arrayValue, pair.count == 2, let q = pair[0].intValue,
        let k = pair[1].intValue
      else { throw .invalidMetadata("each request must be [query_length, kv_length]") }
      requests.append(RequestShape(queryLength: q, kvLength: k))
    }
    let m = try field("mask")
    let mask: AttentionMask
    switch try string("type", in: m) {
    case "none": mask = .none
    case "causal":
      guard let a = CausalAlignment(rawValue: try string("causal_alignment", in: m)) else {
        throw .invalidMetadata("causal_alignment must be bottom-right or top-left")
      }
      mask = .causal(a)
    case "sliding_window":
      let l = try int("window_left", in: m)
      let r = try int("window_right", in: m)
      mask = .slidingWindow(left: l < 0 ? nil : l, right: r < 0 ? nil : r)
    case let other:
      throw .invalidMetadata("mask type \"\(other)\"; allowed: none, causal, sliding_window")
    }
    let cap = try field("soft_cap")
    guard try string("lse_base") == "e" else {
      throw .invalidMetadata("lse_base must be \"e\" (natural log) in format version 1")
    }
    do {
      problem = try AttentionProblem(
        requests: requests, queryHeads: try int("query_heads"), kvHeads: try int("kv_heads"),
        headDim: try int("head_dim"), scale: try double("scale"), mask: mask,
        softCap: cap == .null ? nil : cap.doubleValue)
    } catch let e as AttentionError {
      throw .attention(e)
    } catch let e as GoldenError {
      throw e
    } catch {
      throw .invalidMetadata("\(error)")
    }
  }
}
