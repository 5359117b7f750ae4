import Foundation
import LeanAttention

/// Simulated SM utilization of every partitioner against context length:
/// the picture of the paper's claim that lean occupancy does not depend on
/// the workload.
///
/// The workload is the paper's decode shape (one request, 56 heads, D 128)
/// at context lengths from 1k to 128k tokens; each point is
/// `ScheduleMetrics.smUtilization` of the partitioner's schedule.
public struct UtilizationPlot: Sendable {
  /// One partitioner's curve on one device.
  public struct Series: Sendable {
    /// The partitioner.
    public var partitioner: PartitionerKind
    /// The device model's name.
    public var device: String
    /// `(context length, utilization in 0…1)`, in context order.
    public var points: [(context: Int, utilization: Double)]
  }

  /// The context lengths: 1024, 2048, …, 131072.
  public static let contexts = (10...17).map { 1 << $0 }

  /// The devices, one panel each.
  public var devices: [DeviceModel]
  /// Query heads of the workload.
  public var heads: Int
  /// Head dimension.
  public var headDim: Int
  /// Every series, device-major, partitioners in `PartitionerKind/allCases` order.
  public var series: [Series]

  /// Simulates every partitioner at every context length on every device.
  ///
  /// - Throws: the partitioners' errors (none for these shapes).
  /// - Complexity: O(devices · partitioners · Σ tiles).
  public init(devices: [DeviceModel] = [.a100, .h100], heads: Int = 56, headDim: Int = 128)
    throws(AttentionError)
  {
    self.devices = devices
    self.heads = heads
    self.headDim = headDim
    var series: [Series] = []
    for device in devices {
      for kind in PartitionerKind.allCases {
        var points: [(Int, Double)] = []
        for context in Self.contexts {
          let problem = try AttentionProblem(
            requests: [RequestShape(queryLength: 1, kvLength: context)], queryHeads: heads,
            kvHeads: heads, headDim: headDim, mask: .none)
          let schedule = try kind.make().schedule(problem, on: device)
          points.append((context, schedule.simulate(kvLengths: [context]).metrics.smUtilization))
        }
        series.append(Series(partitioner: kind, device: device.name, points: points))
      }
    }
    self.series = series
  }

  /// Line colours and dash patterns, one per partitioner in turn.
  static let styles: [(colour: String, dash: String)] = [
    ("#e15759", "none"), ("#4e79a7", "7 4"), ("#59a14f", "2 3"), ("#b07aa1", "10 3 2 3"),
    ("#f28e2b", "4 2"), ("#76b7b2", "1 2"),
  ]

  /// The SVG: one panel per device, utilization (0–100%) against context (log scale).
  /// - Complexity: O(series · points).
  public func svg() -> String {
    let layout = PercentPanels(panels: devices.count, legendRows: PartitionerKind.allCases.count)
    var s = layout.header(
      title: "Simulated SM utilization against context length",
      subtitle:
        "decode, 1 request, \(heads) heads, D \(headDim); Schedule.simulate, each partitioner's default grid and splits"
    )
    for (d, device) in devices.enumerated() {
      let curves = PartitionerKind.allCases.compactMap { kind in
        series.first { $0.device == device.name && $0.partitioner == kind }.map {
          PercentPanels.Curve(
            label: kind.rawValue, style: Self.style(of: kind),
            points: $0.points.map { ($0.context, $0.utilization) })
        }
      }
      s += layout.panel(
        d, title: "\(device.name.uppercased()) (\(device.smCount) SMs)", curves: curves,
        tooltip: device.name)
    }
    s += layout.legend(PartitionerKind.allCases.map { ($0.rawValue, Self.style(of: $0)) })
    return s + "</svg>\n"
  }

  /// A partitioner's line colour and dash pattern, the same in every plot.
  static func style(of kind: PartitionerKind) -> PercentPanels.Style {
    let k = PartitionerKind.allCases.firstIndex(of: kind) ?? 0
    return styles[k % styles.count]
  }
}

/// Side-by-side panels of percentages (y, linear) against context length
/// (x, log scale, 1k…128k), the axes that the utilization and measured plots share.
struct PercentPanels {
  typealias Style = (colour: String, dash: String)
  struct Curve {
    var label: String
    var style: Style
    var points: [(context: Int, value: Double)]
  }

  var panels: Int
  var legendRows: Int
  /// The top of the y axis, in percent.
  var yMax = 100
  let panelWidth = 430.0
  let panelHeight = 280.0
  let left = 64.0
  let top = 76.0
  let gap = 70.0
  var width: Double { left + Double(panels) * panelWidth + Double(panels - 1) * gap + 44 }
  var height: Double { top + panelHeight + 60 + 20 * Double(legendRows) }
  let f = WalkthroughTimeline.f

  func header(title: String, subtitle: String) -> String {
    """
    <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
    <rect width="100%" height="100%" fill="white"/>
    <text x="\(left)" y="20" font-size="15" font-weight="bold">\(title)</text>
    <text x="\(left)" y="38">\(WalkthroughTimeline.escape(subtitle))</text>

    """
  }

  func panel(_ d: Int, title: String, curves: [Curve], tooltip: String) -> String {
    let contexts = UtilizationPlot.contexts
    let lo = log2(Double(contexts.first ?? 1))
    let hi = log2(Double(contexts.last ?? 2))
    let x0 = left + Double(d) * (panelWidth + gap)
    let x = { (c: Int) in x0 + panelWidth * (log2(Double(c)) - lo) / max(hi - lo, 1) }
    let y = { (u: Double) in top + panelHeight * (1 - u * 100 / Double(yMax)) }
    var s =
      "<text x=\"\(f(x0 + panelWidth / 2))\" y=\"\(f(top - 10))\" text-anchor=\"middle\" font-weight=\"bold\">\(WalkthroughTimeline.escape(title))</text>\n"
    for pct in stride(from: 0, through: yMax, by: 20) {
      let yy = y(Double(pct) / 100)
      s +=
        "<line x1=\"\(f(x0))\" y1=\"\(f(yy))\" x2=\"\(f(x0 + panelWidth))\" y2=\"\(f(yy))\" stroke=\"#e2e2e2\"/><text x=\"\(f(x0 - 6))\" y=\"\(f(yy + 4))\" text-anchor=\"end\">\(pct)%</text>\n"
    }
    for c in contexts {
      s +=
        "<line x1=\"\(f(x(c)))\" y1=\"\(f(top))\" x2=\"\(f(x(c)))\" y2=\"\(f(top + panelHeight))\" stroke=\"#eeeeee\"/><text x=\"\(f(x(c)))\" y=\"\(f(top + panelHeight + 16))\" text-anchor=\"middle\">\(c / 1024)k</text>\n"
    }
    s +=
      "<rect x=\"\(f(x0))\" y=\"\(f(top))\" width=\"\(f(panelWidth))\" height=\"\(f(panelHeight))\" fill=\"none\" stroke=\"#888\"/>\n"
    s +=
      "<text x=\"\(f(x0 + panelWidth / 2))\" y=\"\(f(top + panelHeight + 34))\" text-anchor=\"middle\">context length (KV tokens, log scale)</text>\n"
    for curve in curves {
      let points = curve.points.map { "\(f(x($0.context))),\(f(y($0.value)))" }
      s +=
        "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(curve.style.colour)\" stroke-width=\"2.5\"\(dash(curve.style))/>\n"
      for p in curve.points {
        s +=
          "<circle cx=\"\(f(x(p.context)))\" cy=\"\(f(y(p.value)))\" r=\"3.5\" fill=\"\(curve.style.colour)\"><title>\(curve.label), \(tooltip), \(p.context) tokens: \(String(format: "%.1f", p.value * 100))%</title></circle>\n"
      }
    }
    return s
  }

  func legend(_ entries: [(label: String, style: Style)]) -> String {
    var s = ""
    for (k, entry) in entries.enumerated() {
      let ly = top + panelHeight + 62 + 20 * Double(k)
      s +=
        "<line x1=\"\(f(left))\" y1=\"\(f(ly - 4))\" x2=\"\(f(left + 34))\" y2=\"\(f(ly - 4))\" stroke=\"\(entry.style.colour)\" stroke-width=\"2.5\"\(dash(entry.style))/><text x=\"\(f(left + 42))\" y=\"\(f(ly))\">\(WalkthroughTimeline.escape(entry.label))</text>\n"
    }
    return s
  }

  func dash(_ style: Style) -> String {
    style.dash == "none" ? "" : " stroke-dasharray=\"\(style.dash)\""
  }
}
