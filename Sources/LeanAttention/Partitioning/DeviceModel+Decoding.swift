extension DeviceModel {
  enum DecodingKeys: String, CodingKey { case name, smCount, ctasPerSM }

  /// Decodes a device model through ``init(name:smCount:ctasPerSM:)``, so that a
  /// decoded schedule's device has the same ranges as one made in code (found by
  /// fuzzing: `"ctasPerSM": 0` reached the simulator's slot arithmetic).
  ///
  /// - Throws: `DecodingError`, or ``AttentionError/invalidParameter(name:value:allowed:)``.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: DecodingKeys.self)
    try self.init(
      name: try c.decode(String.self, forKey: .name),
      smCount: try c.decode(Int.self, forKey: .smCount),
      ctasPerSM: try c.decode(Int.self, forKey: .ctasPerSM))
  }
}
