import Foundation
import LeanAttention

/// Draws a simulated schedule as an SVG Gantt chart: one row per SM (a thin
/// lane per resident CTA slot), one colour per (request, KV head), each
/// segment a bar, partial-state writes marked with a dark tick at the end of a
/// peer's segment and reductions with a black bar at the end of the host's.
public enum TimelineSVG {
  /// The SVG document.
  ///
  /// - Complexity: O(segments).
  public static func render(
    _ schedule: Schedule, timeline: [CTAPlacement], metrics: ScheduleMetrics, title: String
  ) -> String {
    let width = 960.0
    let left = 60.0
    let top = 46.0
    let lane = max(
      2.0, min(10.0, 520.0 / Double(schedule.device.smCount * schedule.device.ctasPerSM)))
    let rowHeight = lane * Double(schedule.device.ctasPerSM)
    let height = top + rowHeight * Double(schedule.device.smCount) + 40
    let span = max(metrics.makespan, 1)
    let x = { (t: Double) in left + (width - left - 20) * t / span }
    let kvHeads = (schedule.outputs.map(\.kvHead).max() ?? 0) + 1
    func color(_ output: Int) -> String {
      let o = schedule.outputs[output]
      let hue = Double((o.request * kvHeads + o.kvHead) * 137 % 360)
      return hexColor(hue: hue, saturation: 0.65, lightness: o.queryBlock % 2 == 0 ? 0.55 : 0.42)
    }
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="11">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(left)" y="16" font-size="13" font-weight="bold">\(escape(title))</text>
      <text x="\(left)" y="32">\(escape(summary(metrics)))</text>

      """
    // Times come from `Schedule.simulate`; this only draws them.
    for placement in timeline {
      let y = top + Double(placement.sm) * rowHeight + Double(placement.slot) * lane
      for span in placement.segments {
        let s = span.segment
        svg +=
          "<rect x=\"\(fmt(x(span.start)))\" y=\"\(fmt(y))\" width=\"\(fmt(max(0.5, x(span.end) - x(span.start))))\" height=\"\(fmt(lane * 0.9))\" fill=\"\(color(s.output))\"><title>CTA \(placement.cta): output \(s.output), KV blocks \(s.blocks.lowerBound) to \(s.blocks.upperBound - 1)</title></rect>\n"
        if span.writesPartial {
          svg +=
            "<rect x=\"\(fmt(x(span.end) - 2))\" y=\"\(fmt(y))\" width=\"2\" height=\"\(fmt(lane * 0.9))\" fill=\"#333\"/>\n"
        }
        if span.mergesPartials > 0 {
          svg +=
            "<rect x=\"\(fmt(x(span.end) - 3))\" y=\"\(fmt(y))\" width=\"3\" height=\"\(fmt(lane * 0.9))\" fill=\"black\"/>\n"
        }
      }
    }
    for sm in stride(from: 0, to: schedule.device.smCount, by: max(1, schedule.device.smCount / 8))
    {
      svg +=
        "<text x=\"4\" y=\"\(fmt(top + Double(sm) * rowHeight + rowHeight))\">SM \(sm)</text>\n"
    }
    let axis = top + rowHeight * Double(schedule.device.smCount) + 14
    svg +=
      "<line x1=\"\(left)\" y1=\"\(fmt(axis - 8))\" x2=\"\(fmt(x(span)))\" y2=\"\(fmt(axis - 8))\" stroke=\"#999\"/>\n"
    svg +=
      "<text x=\"\(left)\" y=\"\(fmt(axis + 6))\">0</text><text x=\"\(fmt(x(span) - 200))\" y=\"\(fmt(axis + 6))\">makespan \(Int(span)) KV-token units</text>\n"
    svg +=
      "<text x=\"\(left)\" y=\"\(fmt(axis + 22))\">colour: request × KV head · dark tick: partial state written · black bar: host reduction</text>\n"
    svg += "</svg>\n"
    return svg
  }

  /// A one-line summary of a schedule's metrics, as `leanattn schedule` prints it:
  /// grid, tiles, tiles per CTA, splits and simulated SM utilization.
  ///
  /// - Parameter m: the metrics of `Schedule.simulate(kvLengths:)`.
  /// - Returns: for example `lean on a100: grid 216, tiles 2688, tiles/CTA 12–13, max splits/output 5, utilization 95%`.
  public static func summary(_ m: ScheduleMetrics) -> String {
    var s =
      "\(m.partitioner) on \(m.device): grid \(m.grid), tiles \(m.totalTiles), tiles/CTA \(m.minTilesPerCTA)–\(m.maxTilesPerCTA)"
    if let n = m.numSplits { s += ", \(n) splits" }
    s +=
      ", max splits/output \(m.maxSplitsPerOutput), utilization \(Int((m.smUtilization * 100).rounded()))%"
    return s
  }

  /// An `#rrggbb` colour from HSL (hex, since not every SVG renderer reads `hsl()`).
  static func hexColor(hue: Double, saturation: Double, lightness: Double) -> String {
    let c = (1 - abs(2 * lightness - 1)) * saturation
    let h = hue / 60
    let x = c * (1 - abs(h.truncatingRemainder(dividingBy: 2) - 1))
    let (r, g, b): (Double, Double, Double) =
      h < 1
      ? (c, x, 0)
      : h < 2 ? (x, c, 0) : h < 3 ? (0, c, x) : h < 4 ? (0, x, c) : h < 5 ? (x, 0, c) : (c, 0, x)
    let m = lightness - c / 2
    return "#"
      + [r, g, b].map { String(format: "%02x", Int(((($0 + m) * 255)).rounded())) }.joined()
  }

  static func fmt(_ v: Double) -> String { String(Int((v * 10).rounded())).withDecimal }

  static func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
  }
}

extension String {
  /// "1234" (tenths) → "123.4".
  fileprivate var withDecimal: String {
    let negative = hasPrefix("-")
    var digits = negative ? String(dropFirst()) : self
    while digits.count < 2 { digits = "0" + digits }
    return (negative ? "-" : "") + digits.dropLast() + "." + digits.suffix(1)
  }
}
