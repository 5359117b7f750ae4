extension Schedule: Codable {
  private enum CodingKeys: String, CodingKey {
    case partitioner, device, blockN, outputs, ctas, groups, reduction, numSplits, highLoadCTAs
  }

  /// Decodes a schedule, derives its pieces and groups once, and checks its structure.
  ///
  /// The encoded reduction groups must be the ones the segments imply.
  ///
  /// - Throws: `DecodingError` for malformed JSON;
  ///   ``AttentionError/invalidSchedule(reason:)`` when the segments do not
  ///   cover their outputs exactly once or the groups disagree with them.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      partitioner: try c.decode(String.self, forKey: .partitioner),
      device: try c.decode(DeviceModel.self, forKey: .device),
      blockN: try c.decode(Int.self, forKey: .blockN),
      outputs: try c.decode([OutputTile].self, forKey: .outputs),
      ctas: try c.decode([[Segment]].self, forKey: .ctas),
      reduction: try c.decode(ReductionStrategy.self, forKey: .reduction),
      numSplits: try c.decodeIfPresent(Int.self, forKey: .numSplits),
      highLoadCTAs: try c.decodeIfPresent(Int.self, forKey: .highLoadCTAs))
    try validateStructure()
    let encoded = try c.decode([ReductionGroup].self, forKey: .groups)
    guard encoded == groups else {
      let bad = zip(encoded, groups).first { $0 != $1 }
      throw AttentionError.invalidSchedule(
        reason: bad.map {
          "reduction group of output \($0.1.output) should have host \($0.1.host) and peers \($0.1.peers.map(\.cta)), has host \($0.0.host) and peers \($0.0.peers.map(\.cta))"
        } ?? "has \(encoded.count) reduction groups; the segments need \(groups.count)")
    }
  }

  /// Writes the schedule as JSON: partitioner, device, `blockN`, output tiles, every
  /// CTA's segments, the reduction groups and strategy; decoding checks the groups
  /// against the ones the segments imply.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(partitioner, forKey: .partitioner)
    try c.encode(device, forKey: .device)
    try c.encode(blockN, forKey: .blockN)
    try c.encode(outputs, forKey: .outputs)
    try c.encode(ctas, forKey: .ctas)
    try c.encode(groups, forKey: .groups)
    try c.encode(reduction, forKey: .reduction)
    try c.encodeIfPresent(numSplits, forKey: .numSplits)
    try c.encodeIfPresent(highLoadCTAs, forKey: .highLoadCTAs)
  }
}
