import LeanAttention

/// The small decode problem a ``Walkthrough`` steps through, chosen by the
/// command line's flags.
///
/// One request, one query token (decode), `heads` query heads over `kvHeads`
/// KV heads, `tokens` KV tokens of dimension `headDim`, cut for a device of
/// `smCount` SMs by `partitioner`. The inputs are the seeded Philox inputs of
/// the golden files, so a walkthrough is the same on every machine.
public struct WalkthroughConfiguration: Hashable, Sendable {
  /// Query heads.
  public var heads: Int
  /// KV heads; `nil` means one per query head (MHA).
  public var kvHeads: Int?
  /// KV tokens of the request.
  public var tokens: Int
  /// Head dimension.
  public var headDim: Int
  /// SMs of the device (one CTA slot each).
  public var smCount: Int
  /// Which decomposition to show.
  public var partitioner: PartitionerKind
  /// An explicit grid (lean); `nil` keeps the partitioner's default.
  public var grid: Int?
  /// Splits per head (fixed-split); `nil` keeps FlashAttention-2's heuristic.
  public var splits: Int?
  /// KV tokens per lean tile; `nil` picks the default for the head dimension.
  public var blockN: Int?
  /// Seed of the Philox input generator.
  public var seed: UInt64

  /// The walkthrough of the issue: 2 heads, 1000 tokens, D 64, 5 SMs, lean.
  public static let standard = WalkthroughConfiguration()

  /// A walkthrough problem; the defaults are ``standard``. Nothing is checked
  /// here: ``problem()`` and `Walkthrough.init(_:)` validate.
  public init(
    heads: Int = 2, kvHeads: Int? = nil, tokens: Int = 1000, headDim: Int = 64, smCount: Int = 5,
    partitioner: PartitionerKind = .lean, grid: Int? = nil, splits: Int? = nil,
    blockN: Int? = nil, seed: UInt64 = 2024
  ) {
    self.heads = heads
    self.kvHeads = kvHeads
    self.tokens = tokens
    self.headDim = headDim
    self.smCount = smCount
    self.partitioner = partitioner
    self.grid = grid
    self.splits = splits
    self.blockN = blockN
    self.seed = seed
  }

  /// The largest values a walkthrough accepts: it prints every tile and every
  /// partial state, so it is meant for problems a reader can follow.
  public static let limits = (heads: 64, tokens: 65_536, smCount: 256, grid: 512)

  /// The problem, after checking that every size is within ``limits``.
  ///
  /// - Throws: `AttentionError/invalidParameter(name:value:allowed:)` for a
  ///   size outside its range, or the problem's own errors (head counts that
  ///   do not divide, a head dimension outside 1…512).
  public func problem() throws(AttentionError) -> AttentionProblem {
    try Self.check("heads", heads, 1...Self.limits.heads)
    try Self.check("tokens", tokens, 1...Self.limits.tokens)
    try Self.check("SM count", smCount, 1...Self.limits.smCount)
    if let grid { try Self.check("grid", grid, 1...Self.limits.grid) }
    if let splits { try Self.check("splits", splits, 1...Self.limits.grid) }
    if let blockN { try Self.check("blockN", blockN, 1...Self.limits.tokens) }
    return try AttentionProblem(
      requests: [RequestShape(queryLength: 1, kvLength: tokens)], queryHeads: heads,
      kvHeads: kvHeads ?? heads, headDim: headDim, mask: .none)
  }

  /// The device: `smCount` SMs, one CTA slot each.
  public func device() throws(AttentionError) -> DeviceModel {
    try Self.check("SM count", smCount, 1...Self.limits.smCount)
    return try DeviceModel(name: "\(smCount) SMs", smCount: smCount)
  }

  private static func check(_ name: String, _ value: Int, _ range: ClosedRange<Int>)
    throws(AttentionError)
  {
    guard range.contains(value) else {
      throw .invalidParameter(
        name: name, value: "\(value)", allowed: "\(range.lowerBound)…\(range.upperBound)")
    }
  }
}
