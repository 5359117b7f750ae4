extension AttentionProblem: Codable {
  private enum CodingKeys: String, CodingKey {
    case requests, queryHeads, kvHeads, headDim, scale, mask, softCap
  }

  /// Decodes and validates a problem; a malformed one is an ``AttentionError``.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    try self.init(
      requests: c.decode([RequestShape].self, forKey: .requests),
      queryHeads: c.decode(Int.self, forKey: .queryHeads),
      kvHeads: c.decode(Int.self, forKey: .kvHeads),
      headDim: c.decode(Int.self, forKey: .headDim),
      scale: c.decodeIfPresent(Double.self, forKey: .scale),
      mask: c.decodeIfPresent(AttentionMask.self, forKey: .mask) ?? .none,
      softCap: c.decodeIfPresent(Double.self, forKey: .softCap))
  }

  /// Writes the problem as JSON; decoding validates it again, as the initializer does.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(requests, forKey: .requests)
    try c.encode(queryHeads, forKey: .queryHeads)
    try c.encode(kvHeads, forKey: .kvHeads)
    try c.encode(headDim, forKey: .headDim)
    try c.encode(scale, forKey: .scale)
    try c.encode(mask, forKey: .mask)
    try c.encodeIfPresent(softCap, forKey: .softCap)
  }
}
