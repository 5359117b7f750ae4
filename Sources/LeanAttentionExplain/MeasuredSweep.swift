import LeanAttention

/// One workload group of a measured GPU sweep: the achieved fraction of the
/// device's copy bandwidth of every implementation at every context length.
///
/// The input is the CSV that `Benchmarks/gpu_sweep.py` writes (committed as
/// `Docs/data/gpu_sweep_h100_host_finish.csv`): one row per
/// (group, batch, context, implementation) with, among others, the columns
/// `group`, `batch`, `max_context`, `impl`, `fraction_of_copy` and `device`.
/// Decode reads every K/V byte once, so the fraction of a plain device-to-device
/// copy's bandwidth that a kernel reaches is the hardware's counterpart of the
/// simulated SM utilization: both say how much of the machine a schedule keeps busy.
///
/// Only single-request rows (`batch` 1) of the chosen group are kept; the columns
/// may come in any order, and other columns are ignored.
public struct MeasuredSweep: Sendable, Equatable {
  /// The device the sweep ran on, as the CSV's `device` column names it.
  public var device: String
  /// The workload group, e.g. `mha56-d128` (56 heads, D 128).
  public var group: String
  /// Every implementation's points, in the order of their first row in the CSV;
  /// points in increasing context order.
  public var series: [Series]

  /// One implementation's measured curve.
  public struct Series: Sendable, Equatable {
    /// The implementation: a partitioner's raw name (`lean`, …) or a PyTorch
    /// SDPA backend (`torch-flash`, `torch-cudnn`, …).
    public var implementation: String
    /// The partitioner, when the implementation is one of the library's.
    public var partitioner: PartitionerKind? { PartitionerKind(rawValue: implementation) }
    /// `(context length, achieved fraction of copy bandwidth)`, a fraction that
    /// can pass 1 where the K/V stream is partly served from L2.
    public var points: [Point]
  }

  /// One measurement.
  public struct Point: Sendable, Equatable {
    /// KV tokens of the request.
    public var context: Int
    /// Achieved bandwidth over the copy bandwidth measured in the same run.
    public var fraction: Double

    /// A measurement of `fraction` of copy bandwidth at `context` KV tokens.
    public init(context: Int, fraction: Double) {
      self.context = context
      self.fraction = fraction
    }
  }

  /// Parses the sweep CSV and keeps one group's single-request rows.
  ///
  /// - Parameters:
  ///   - csv: the whole CSV text, header first; fields must not contain commas.
  ///   - group: the workload group to keep.
  /// - Throws: `AttentionError/invalidParameter(name:value:allowed:)` when a
  ///   needed column is missing, a row has fewer fields than the header, a number
  ///   does not parse (or is negative or not finite), the group has no rows, or
  ///   its rows name more than one device.
  /// - Complexity: O(size of the CSV) plus a sort of each series.
  public init(csv: String, group: String = "mha56-d128") throws(AttentionError) {
    var lines = csv.split(whereSeparator: \.isNewline).map {
      $0.split(separator: ",", omittingEmptySubsequences: false)
    }
    guard !lines.isEmpty else {
      throw .invalidParameter(name: "sweep CSV", value: "empty", allowed: "a header and rows")
    }
    let header = lines.removeFirst().map(String.init)
    func column(_ name: String) throws(AttentionError) -> Int {
      guard let i = header.firstIndex(of: name) else {
        throw .invalidParameter(
          name: "sweep CSV", value: "no column \(name)",
          allowed: "the columns group, batch, max_context, impl, fraction_of_copy, device")
      }
      return i
    }
    let (g, b, c, i, f, d) = (
      try column("group"), try column("batch"), try column("max_context"), try column("impl"),
      try column("fraction_of_copy"), try column("device")
    )
    var devices: Set<String> = []
    var byImplementation: [(String, [Point])] = []
    for (n, fields) in lines.enumerated() where fields.count > g && fields[g] == group {
      guard fields.count == header.count else {
        throw .invalidParameter(
          name: "sweep CSV row \(n + 2)", value: "\(fields.count) fields",
          allowed: "\(header.count), as in the header")
      }
      guard fields[b] == "1" else { continue }
      guard let context = Int(fields[c]), context > 0, let fraction = Double(fields[f]),
        fraction.isFinite, fraction >= 0
      else {
        throw .invalidParameter(
          name: "sweep CSV row \(n + 2)",
          value: "max_context \(fields[c]), fraction_of_copy \(fields[f])",
          allowed: "a positive integer and a finite fraction ≥ 0")
      }
      devices.insert(String(fields[d]))
      let implementation = String(fields[i])
      if let k = byImplementation.firstIndex(where: { $0.0 == implementation }) {
        byImplementation[k].1.append(Point(context: context, fraction: fraction))
      } else {
        byImplementation.append((implementation, [Point(context: context, fraction: fraction)]))
      }
    }
    guard let device = devices.first, devices.count == 1 else {
      throw .invalidParameter(
        name: "sweep CSV group",
        value: devices.isEmpty
          ? "\(group): no single-request rows" : "\(group): \(devices.count) devices",
        allowed: "rows of one device with batch 1")
    }
    self.device = device
    self.group = group
    self.series = byImplementation.map {
      Series(implementation: $0.0, points: $0.1.sorted { $0.context < $1.context })
    }
  }
}
