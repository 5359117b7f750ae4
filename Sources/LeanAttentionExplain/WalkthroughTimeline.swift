import Foundation
import LeanAttention
import LeanAttentionSVG

/// Draws a walkthrough's simulated timeline as SVG: one row per CTA, one bar
/// per piece, one colour per head.
///
/// A peer's bar ends in a grey tick (it writes a partial state), a host's in
/// a black bar (it merges its peers). Rows are `<g class="cta-row"
/// data-cta="c">` and bars carry `data-head`, so the HTML page can attach
/// its hover and click handlers to them.
public enum WalkthroughTimeline {
  /// Distinguishable fill colours (Tableau 10), one per head in turn.
  public static let palette = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
  ]
  /// The palette entries light enough to need dark text.
  static let light: Set<String> = ["#edc948", "#ff9da7", "#bab0ac", "#76b7b2", "#f28e2b"]

  /// The SVG document.
  ///
  /// - Complexity: O(pieces + heads).
  public static func render(_ w: Walkthrough) -> String {
    let width = 920.0
    let left = 120.0
    let right = 20.0
    let top = 56.0
    let n = max(1, w.ctas.count)
    let rowHeight = max(8.0, min(34.0, 520.0 / Double(n)))
    let plotHeight = rowHeight * Double(n)
    let span = max(w.metrics.makespan, 1)
    let x = { (t: Double) in left + (width - left - right) * t / span }
    let legendTop = top + plotHeight + 58
    let perLine = 6
    let legendLines = (w.heads.count + perLine - 1) / perLine
    let height = legendTop + 18 * Double(max(1, legendLines)) + 10
    let title =
      "\(w.schedule.partitioner): \(w.problem.queryHeads) heads × \(w.configuration.tokens) KV tokens, D \(w.problem.headDim), \(w.configuration.smCount) SMs"
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(left)" y="18" font-size="14" font-weight="bold">\(escape(title))</text>
      <text x="\(left)" y="36">\(escape(TimelineSVG.summary(w.metrics)))</text>

      """
    for cta in w.ctas {
      let y = top + Double(cta.index) * rowHeight
      svg += "<g class=\"cta-row\" data-cta=\"\(cta.index)\">\n"
      svg +=
        "<rect class=\"row-hit\" x=\"0\" y=\"\(f(y))\" width=\"\(Int(width))\" height=\"\(f(rowHeight))\" fill=\"\(cta.index % 2 == 0 ? "#f4f4f4" : "#ffffff")\"/>\n"
      if rowHeight >= 11 {
        svg +=
          "<text x=\"8\" y=\"\(f(y + rowHeight / 2 + 4))\">CTA \(cta.index) · SM \(cta.sm)</text>\n"
      }
      for piece in cta.pieces {
        let x0 = x(piece.start)
        let x1 = x(piece.end)
        let colour = palette[piece.head % palette.count]
        let barY = y + rowHeight * 0.12
        let barH = rowHeight * 0.76
        let tip =
          "CTA \(cta.index): \(w.headName(piece.head)), \(w.tileRange(piece.blocks)), tokens \(piece.tokens.lowerBound)..<\(piece.tokens.upperBound), split \(piece.split)"
        svg +=
          "<rect class=\"piece\" data-head=\"\(piece.head)\" x=\"\(f(x0))\" y=\"\(f(barY))\" width=\"\(f(max(0.5, x1 - x0 - 1)))\" height=\"\(f(barH))\" fill=\"\(colour)\"><title>\(escape(tip))</title></rect>\n"
        if piece.split > 0 {
          svg +=
            "<rect x=\"\(f(x1 - 4))\" y=\"\(f(barY))\" width=\"3\" height=\"\(f(barH))\" fill=\"#555\"/>\n"
        } else if w.reductions.contains(where: { $0.head == piece.head && !$0.merges.isEmpty }) {
          svg +=
            "<rect x=\"\(f(x1 - 5))\" y=\"\(f(barY))\" width=\"4\" height=\"\(f(barH))\" fill=\"black\"/>\n"
        }
        let label = "\(w.headName(piece.head)) · \(w.tileRange(piece.blocks))"
        if rowHeight >= 16 && x1 - x0 > Double(label.count) * 6.6 + 12 {
          let ink = light.contains(colour) ? "#111" : "#fff"
          svg +=
            "<text x=\"\(f(x0 + 5))\" y=\"\(f(y + rowHeight / 2 + 4))\" fill=\"\(ink)\" pointer-events=\"none\">\(escape(label))</text>\n"
        }
      }
      svg += "</g>\n"
    }
    // Time axis with about five ticks at round values.
    let axis = top + plotHeight + 6
    svg +=
      "<line x1=\"\(left)\" y1=\"\(f(axis))\" x2=\"\(f(x(span)))\" y2=\"\(f(axis))\" stroke=\"#888\"/>\n"
    let step = roundStep(span / 5)
    var t = 0.0
    while t <= span + 1e-9 {
      svg +=
        "<line x1=\"\(f(x(t)))\" y1=\"\(f(axis))\" x2=\"\(f(x(t)))\" y2=\"\(f(axis + 4))\" stroke=\"#888\"/><text x=\"\(f(x(t)))\" y=\"\(f(axis + 16))\" text-anchor=\"middle\">\(Int(t))</text>\n"
      t += step
    }
    svg +=
      "<text x=\"\(f(width - right))\" y=\"\(f(axis + 30))\" text-anchor=\"end\">simulated time, KV-token units · grey tick: partial state written · black bar: host merge</text>\n"
    for (i, head) in w.heads.enumerated() {
      let lx = left + Double(i % perLine) * 130
      let ly = legendTop + 18 * Double(i / perLine)
      svg +=
        "<g class=\"head-key\" data-head=\"\(head.output)\"><rect x=\"\(f(lx))\" y=\"\(f(ly - 10))\" width=\"12\" height=\"12\" fill=\"\(palette[head.output % palette.count])\"/><text x=\"\(f(lx + 17))\" y=\"\(f(ly))\">\(escape(w.headName(head.output)))</text></g>\n"
    }
    svg += "</svg>\n"
    return svg
  }

  /// 1, 2 or 5 times a power of ten, at least `x`.
  static func roundStep(_ x: Double) -> Double {
    guard x > 0 else { return 1 }
    let p = pow(10, floor(log10(x)))
    for m in [1.0, 2, 5, 10] where m * p >= x { return m * p }
    return 10 * p
  }

  static func f(_ v: Double) -> String { String(format: "%.1f", v) }

  static func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }
}
