/// The mask's one JSON spelling, the one golden files' `case` metadata uses:
///
///     {"type": "none"}
///     {"type": "causal", "causal_alignment": "bottom-right"|"top-left"}
///     {"type": "sliding_window", "window_left": n, "window_right": n}   // -1 = unbounded
///
/// (`-1` for an unbounded side is FlashAttention's spelling.)
extension AttentionMask: Codable {
  private enum CodingKeys: String, CodingKey {
    case type
    case causalAlignment = "causal_alignment"
    case windowLeft = "window_left"
    case windowRight = "window_right"
  }

  /// Reads a mask from its JSON form (`{"type": "none"|"causal"|"sliding_window", …}`).
  ///
  /// A missing `causal_alignment` is bottom-right; a missing or negative window
  /// side is unbounded.
  ///
  /// - Throws: `DecodingError` for an unknown type or a malformed field.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let type = try c.decode(String.self, forKey: .type)
    switch type {
    case "none": self = .none
    case "causal":
      let a = try c.decodeIfPresent(CausalAlignment.self, forKey: .causalAlignment) ?? .bottomRight
      self = .causal(a)
    case "sliding_window":
      let l = try c.decodeIfPresent(Int.self, forKey: .windowLeft).flatMap { $0 < 0 ? nil : $0 }
      let r = try c.decodeIfPresent(Int.self, forKey: .windowRight).flatMap { $0 < 0 ? nil : $0 }
      self = .slidingWindow(left: l, right: r)
    default:
      throw DecodingError.dataCorruptedError(
        forKey: .type, in: c,
        debugDescription: "unknown mask type '\(type)'; allowed: none, causal, sliding_window")
    }
  }

  /// Writes the mask in the JSON form golden files use.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    switch self {
    case .none: try c.encode("none", forKey: .type)
    case .causal(let a):
      try c.encode("causal", forKey: .type)
      try c.encode(a, forKey: .causalAlignment)
    case .slidingWindow(let l, let r):
      try c.encode("sliding_window", forKey: .type)
      try c.encode(l ?? -1, forKey: .windowLeft)
      try c.encode(r ?? -1, forKey: .windowRight)
    }
  }
}
