/// The parts of a GPU that decide how attention work is cut: how many SMs, and
/// how many CTAs of an attention kernel each SM holds at once.
public struct DeviceModel: Hashable, Sendable, Codable {
  /// A short name (`a100`, `h100`, …).
  public let name: String
  /// Streaming multiprocessors.
  public let smCount: Int
  /// CTAs of the kernel resident on one SM at a time.
  public let ctasPerSM: Int

  /// The SM counts a model may have (today's largest GPUs have under 200).
  public static let smCountRange = 1...65_536
  /// The resident CTAs per SM a model may have (hardware allows at most 32).
  public static let ctasPerSMRange = 1...1024

  /// A custom device.
  ///
  /// - Throws: ``AttentionError/invalidParameter(name:value:allowed:)`` unless
  ///   the counts are within ``smCountRange`` and ``ctasPerSMRange``.
  public init(name: String = "custom", smCount: Int, ctasPerSM: Int = 1) throws(AttentionError) {
    guard Self.smCountRange.contains(smCount) else {
      throw .invalidParameter(name: "SM count", value: "\(smCount)", allowed: "1...65536")
    }
    guard Self.ctasPerSMRange.contains(ctasPerSM) else {
      throw .invalidParameter(name: "CTAs per SM", value: "\(ctasPerSM)", allowed: "1...1024")
    }
    self.name = name
    self.smCount = smCount
    self.ctasPerSM = ctasPerSM
  }

  private init(preset name: String, sms: Int) {
    self.name = name
    smCount = sms
    ctasPerSM = 1
  }

  /// NVIDIA A100 (108 SMs), the paper's device.
  public static let a100 = DeviceModel(preset: "a100", sms: 108)
  /// NVIDIA H100 SXM (132 SMs).
  public static let h100 = DeviceModel(preset: "h100", sms: 132)
  /// NVIDIA H200 (132 SMs).
  public static let h200 = DeviceModel(preset: "h200", sms: 132)
  /// NVIDIA L4 (58 SMs).
  public static let l4 = DeviceModel(preset: "l4", sms: 58)

  /// The presets, by name.
  public static let presets: [DeviceModel] = [.a100, .h100, .h200, .l4]

  /// The preset called `name`, with `ctasPerSM` CTAs per SM.
  ///
  /// - Throws: ``AttentionError/invalidParameter(name:value:allowed:)`` for an unknown name.
  public static func preset(_ name: String, ctasPerSM: Int = 1) throws(AttentionError)
    -> DeviceModel
  {
    guard let d = presets.first(where: { $0.name == name.lowercased() }) else {
      throw .invalidParameter(
        name: "device", value: name, allowed: presets.map(\.name).joined(separator: ", "))
    }
    return try DeviceModel(name: d.name, smCount: d.smCount, ctasPerSM: ctasPerSM)
  }
}
