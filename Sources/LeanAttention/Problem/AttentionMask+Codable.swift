extension AttentionMask: Codable {
  private enum CodingKeys: String, CodingKey { case kind, alignment, left, right }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let kind = try c.decode(String.self, forKey: .kind)
    switch kind {
    case "none": self = .none
    case "causal":
      let a = try c.decodeIfPresent(CausalAlignment.self, forKey: .alignment) ?? .bottomRight
      self = .causal(a)
    case "sliding-window":
      // −1 is FlashAttention's spelling of an unbounded side.
      let l = try c.decodeIfPresent(Int.self, forKey: .left).flatMap { $0 < 0 ? nil : $0 }
      let r = try c.decodeIfPresent(Int.self, forKey: .right).flatMap { $0 < 0 ? nil : $0 }
      self = .slidingWindow(left: l, right: r)
    default:
      throw DecodingError.dataCorruptedError(
        forKey: .kind, in: c,
        debugDescription: "unknown mask kind '\(kind)'; allowed: none, causal, sliding-window")
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    switch self {
    case .none: try c.encode("none", forKey: .kind)
    case .causal(let a):
      try c.encode("causal", forKey: .kind)
      try c.encode(a, forKey: .alignment)
    case .slidingWindow(let l, let r):
      try c.encode("sliding-window", forKey: .kind)
      try c.encode(l ?? -1, forKey: .left)
      try c.encode(r ?? -1, forKey: .right)
    }
  }
}
