import LeanAttention

/// The measured GPU sweep beside the simulated SM utilization, on the same axes
/// and in the same colours: where the schedule model and the hardware agree.
///
/// The left panel is ``UtilizationPlot``'s curve of every partitioner on the
/// model of the sweep's device; the right panel is ``MeasuredSweep``'s achieved
/// fraction of copy bandwidth of every partitioner at the same context lengths,
/// with the best PyTorch SDPA backend at each length as a grey reference line.
/// Both y axes run from 0 to the same top (at least 100%), so a curve's height
/// means the same share of the machine on either side.
public struct MeasuredVersusSimulatedPlot: Sendable {
  /// The simulated curves (one device).
  public var simulated: UtilizationPlot
  /// The measured curves.
  public var measured: MeasuredSweep

  /// The label of the PyTorch reference line.
  public static let pytorchLabel = "PyTorch SDPA (best backend)"

  /// Simulates the sweep's workload on `device`, the model of the measured GPU.
  ///
  /// - Parameters:
  ///   - measured: the parsed sweep; its group should be `mha<heads>-d<headDim>`.
  ///   - device: the device model to simulate (an H100 for the committed sweep).
  ///   - heads: query (and KV) heads of the simulated decode workload.
  ///   - headDim: its head dimension.
  /// - Throws: the partitioners' errors (none for these shapes).
  /// - Complexity: O(partitioners · Σ tiles) for the simulation.
  public init(
    measured: MeasuredSweep, device: DeviceModel = .h100, heads: Int = 56, headDim: Int = 128
  ) throws(AttentionError) {
    self.measured = measured
    self.simulated = try UtilizationPlot(devices: [device], heads: heads, headDim: headDim)
  }

  /// The best PyTorch backend's fraction at each context length that any
  /// `torch-*` series measured.
  public var pytorchBest: [MeasuredSweep.Point] {
    var best: [Int: Double] = [:]
    for series in measured.series where series.implementation.hasPrefix("torch-") {
      for p in series.points { best[p.context] = max(best[p.context] ?? 0, p.fraction) }
    }
    return best.keys.sorted().compactMap { c in best[c].map { .init(context: c, fraction: $0) } }
  }

  /// The SVG: simulated utilization (left) and measured fraction of copy
  /// bandwidth (right) against context length.
  /// - Complexity: O(series · points).
  public func svg() -> String {
    let kinds = PartitionerKind.allCases
    let top =
      [pytorchBest.map(\.fraction).max() ?? 0]
      + measured.series.flatMap { $0.points.map(\.fraction) }
    // The y axis: 0 to the next 20% step above every point, at least 100%.
    let yMax = max(100, Int(((top.max() ?? 0) * 100 / 20).rounded(.up)) * 20)
    var layout = PercentPanels(panels: 2, legendRows: kinds.count + 1)
    layout.yMax = yMax
    let device = simulated.devices.first ?? .h100
    var s = layout.header(
      title: "Simulated SM utilization beside measured bandwidth, against context length",
      subtitle:
        "decode, 1 request, \(simulated.heads) heads, D \(simulated.headDim), F16; left: Schedule.simulate on the \(device.name) model; right: \(measured.device), K/V read rate over copy bandwidth"
    )
    let simulatedCurves = kinds.compactMap { kind in
      simulated.series.first { $0.partitioner == kind }.map {
        PercentPanels.Curve(
          label: kind.rawValue, style: UtilizationPlot.style(of: kind),
          points: $0.points.map { ($0.context, $0.utilization) })
      }
    }
    s += layout.panel(
      0, title: "simulated SM utilization, \(device.name.uppercased()) (\(device.smCount) SMs)",
      curves: simulatedCurves, tooltip: "simulated")
    var measuredCurves = kinds.compactMap { kind in
      measured.series.first { $0.partitioner == kind }.map {
        PercentPanels.Curve(
          label: kind.rawValue, style: UtilizationPlot.style(of: kind),
          points: $0.points.map { ($0.context, $0.fraction) })
      }
    }
    if !pytorchBest.isEmpty {
      measuredCurves.append(
        PercentPanels.Curve(
          label: Self.pytorchLabel, style: Self.pytorchStyle,
          points: pytorchBest.map { ($0.context, $0.fraction) }))
    }
    s += layout.panel(
      1, title: "measured fraction of copy bandwidth, \(measured.device)", curves: measuredCurves,
      tooltip: "measured")
    s += layout.legend(
      kinds.map { ($0.rawValue, UtilizationPlot.style(of: $0)) }
        + [(Self.pytorchLabel + " (measured only)", Self.pytorchStyle)])
    return s + "</svg>\n"
  }

  static let pytorchStyle: PercentPanels.Style = ("#555555", "12 3 2 3 2 3")
}
