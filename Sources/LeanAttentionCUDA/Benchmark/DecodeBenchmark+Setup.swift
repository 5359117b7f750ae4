import Foundation

extension DecodeBenchmark {
  /// What every measurement of one benchmark run shares: the device, the
  /// workload's shape, the copy bandwidth and the bytes a call must move.
  public struct Setup: Hashable, Sendable {
    /// The device's name.
    public var deviceName: String
    /// The device's SM count.
    public var multiprocessors: Int
    /// The element type.
    public var dtype: ElementType
    /// Every request's KV length, in order.
    public var kvLengths: [Int]
    /// Query heads `Hq`.
    public var queryHeads: Int
    /// KV heads `Hkv`.
    public var kvHeads: Int
    /// The head dimension `D`.
    public var headDim: Int
    /// Tokens a K/V page, or `nil` for contiguous K/V.
    public var pageSize: Int?
    /// Device-to-device copy bandwidth, bytes per second (read plus written).
    public var copyBandwidth: Double
    /// The fewest bytes a call must move (``DecodeBenchmark/bytesMoved(_:elementBytes:)``).
    public var bytes: Double
    /// Microseconds a call would take at the copy bandwidth: `bytes / copyBandwidth · 10⁶`.
    public var floorMicroseconds: Double

    /// A setup with every field given.
    public init(
      deviceName: String, multiprocessors: Int, dtype: ElementType, kvLengths: [Int],
      queryHeads: Int, kvHeads: Int, headDim: Int, pageSize: Int?, copyBandwidth: Double,
      bytes: Double, floorMicroseconds: Double
    ) {
      self.deviceName = deviceName
      self.multiprocessors = multiprocessors
      self.dtype = dtype
      self.kvLengths = kvLengths
      self.queryHeads = queryHeads
      self.kvHeads = kvHeads
      self.headDim = headDim
      self.pageSize = pageSize
      self.copyBandwidth = copyBandwidth
      self.bytes = bytes
      self.floorMicroseconds = floorMicroseconds
    }

    /// The header line of `bench cuda`'s text output: device, copy bandwidth,
    /// workload and floor (`H100, 132 SMs; copy 2900 GB/s; 1 requests (mean
    /// 8192, max 8192 tokens), Hq 32, Hkv 8, D 128, f16; floor 5.9 µs`). The
    /// mean is rounded down to whole tokens.
    public var textLine: String {
      let n = kvLengths.count
      return
        "\(deviceName), \(multiprocessors) SMs; copy \(String(format: "%.0f", copyBandwidth / 1e9)) GB/s; \(n) requests (mean \(kvLengths.reduce(0, +) / max(1, n)), max \(kvLengths.max() ?? 0) tokens), Hq \(queryHeads), Hkv \(kvHeads), D \(headDim), \(dtype.rawValue)\(pageSize.map { ", pages of \($0)" } ?? ""); floor \(String(format: "%.1f", floorMicroseconds)) µs"
    }
  }
}
