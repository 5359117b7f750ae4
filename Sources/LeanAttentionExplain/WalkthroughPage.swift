import Foundation
import LeanAttention

/// A walkthrough as one self-contained HTML page: no network, no external
/// scripts or styles.
///
/// The page holds the timeline (``WalkthroughTimeline``), one hidden detail
/// panel per CTA (its pieces and partial states) and per head (its pieces,
/// its merges and its output next to exact attention), and a small inline
/// script: hovering a CTA row shows its panel and clicking pins it; hovering
/// a head's key in the legend shows the head's panel and dims the other
/// heads' bars. `#cta-3` or `#head-1` in the URL pins a panel on load. When
/// the script has wired everything it sets `data-ready="yes"` on the root
/// element, and an uncaught error sets `data-error`: a headless browser's
/// dumped DOM tells whether the page ran.
public enum WalkthroughPage {
  /// The HTML document.
  ///
  /// - Complexity: O(pieces · rows + merges).
  public static func render(_ w: Walkthrough) -> String {
    let e = WalkthroughTimeline.escape
    var html = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <title>LeanAttention explain: \(e(w.schedule.partitioner)), \(w.problem.queryHeads) heads × \(w.configuration.tokens) tokens</title>
      <style>
      body { font-family: sans-serif; margin: 16px 24px; color: #222; max-width: 1100px; }
      h1 { font-size: 20px; margin: 0 0 4px; }
      p.sub { margin: 0 0 12px; color: #555; }
      .cta-row, .head-key { cursor: pointer; }
      .cta-row.active .row-hit { fill: #ffe9a8; }
      svg .piece.dim { opacity: 0.18; }
      #panel { border: 1px solid #ccc; border-radius: 6px; padding: 8px 14px; min-height: 120px; }
      #panel h2 { font-size: 16px; margin: 6px 0; }
      table { border-collapse: collapse; font-size: 13px; margin: 6px 0 10px; }
      td, th { border-bottom: 1px solid #e3e3e3; padding: 3px 8px; text-align: left; white-space: nowrap; }
      td.num, th.num { text-align: right; font-family: monospace; }
      .hint { color: #666; }
      pre { font-size: 12px; overflow-x: auto; background: #fafafa; padding: 8px; }
      </style>
      </head>
      <body>
      <h1>LeanAttention explain: \(e(w.schedule.partitioner)) on \(w.configuration.smCount) SMs</h1>
      <p class="sub">Decode, 1 request, \(w.problem.queryHeads) heads, \(w.configuration.tokens) KV tokens, D \(w.problem.headDim), lean tiles of \(w.schedule.blockN) tokens, seed \(w.configuration.seed). Fixed-order Float64: max |O − O<sub>exact</sub>| = \(Walkthrough.scientific(w.maxOutputError)), max |LSE − LSE<sub>exact</sub>| = \(Walkthrough.scientific(w.maxLSEError)).</p>
      <div id="timeline">

      """
    html += WalkthroughTimeline.render(w)
    html += """
      </div>
      <div id="panel">
      <p id="hint" class="hint">Hover or click a CTA row to see its pieces and partial states; hover a head in the legend to see its pieces and their merge. Click again to unpin.</p>

      """
    for cta in w.ctas { html += ctaPanel(cta, in: w) }
    for head in w.heads { html += headPanel(head, in: w) }
    html += """
      </div>
      <details><summary>The whole walkthrough as text (<code>leanattn explain</code>)</summary>
      <pre>\(e(w.text()))</pre>
      </details>
      <script>
      \(script)
      </script>
      </body>
      </html>

      """
    return html
  }

  static func ctaPanel(_ cta: Walkthrough.CTA, in w: Walkthrough) -> String {
    var s = "<section class=\"detail\" id=\"cta-\(cta.index)\" hidden>\n"
    s +=
      "<h2>CTA \(cta.index) on SM \(cta.sm): simulated \(Int(cta.start.rounded()))–\(Int(cta.end.rounded())) KV-token units</h2>\n"
    if cta.pieces.isEmpty { s += "<p>No work.</p>\n" }
    s +=
      "<table><tr><th>head</th><th>tiles</th><th>tokens</th><th>split</th><th>role</th></tr>\n"
    for p in cta.pieces {
      let role =
        p.split == 0
        ? (w.reductions.first { $0.head == p.head }?.merges.isEmpty == false
          ? "host: merges the peers, writes O" : "only piece: writes O")
        : "peer: writes its partial state for the host"
      s +=
        "<tr><td>\(w.headName(p.head))</td><td>\(w.tileRange(p.blocks))</td><td>\(p.tokens.lowerBound)..&lt;\(p.tokens.upperBound)</td><td class=\"num\">\(p.split)</td><td>\(role)</td></tr>\n"
    }
    s += "</table>\n"
    if !cta.pieces.isEmpty {
      s +=
        "<table><tr><th>piece</th><th>row</th><th class=\"num\">lse</th><th class=\"num\">o (first \(Walkthrough.shownValues) of \(w.problem.headDim))</th></tr>\n"
      for p in cta.pieces {
        for st in p.states {
          s +=
            "<tr><td>\(w.headName(p.head)) split \(p.split)</td><td>\(w.rowName(st.row))</td><td class=\"num\">\(Walkthrough.decimal(st.logSumExp))</td><td class=\"num\">\(Walkthrough.vector(st.output))</td></tr>\n"
        }
      }
      s += "</table>\n"
    }
    return s + "</section>\n"
  }

  static func headPanel(_ head: Walkthrough.Head, in w: Walkthrough) -> String {
    let name = w.headName(head.output)
    var s = "<section class=\"detail\" id=\"head-\(head.output)\" hidden>\n"
    s +=
      "<h2>\(name): \(head.tiles.count) lean tiles, query heads \(head.rows.map { "\($0.queryHead)" }.joined(separator: ", "))</h2>\n"
    let pieces = w.ctas.flatMap(\.pieces).filter { $0.head == head.output }.sorted {
      $0.split < $1.split
    }
    s += "<table><tr><th>split</th><th>CTA</th><th>tiles</th><th>tokens</th></tr>\n"
    for p in pieces {
      s +=
        "<tr><td class=\"num\">\(p.split)</td><td>CTA \(p.cta)</td><td>\(w.tileRange(p.blocks))</td><td>\(p.tokens.lowerBound)..&lt;\(p.tokens.upperBound)</td></tr>\n"
    }
    s += "</table>\n"
    if let r = w.reductions.first(where: { $0.head == head.output }) {
      if r.merges.isEmpty {
        s += "<p>One piece: CTA \(r.host) writes the output with no merge.</p>\n"
      } else {
        s +=
          "<p>Host CTA \(r.host) merges, own piece first: m = max(a, b), w = e<sup>lse − m</sup>, factor = w / (w<sub>a</sub> + w<sub>b</sub>), lse = m + log(w<sub>a</sub> + w<sub>b</sub>).</p>\n"
        s +=
          "<table><tr><th>row</th><th>+ split</th><th class=\"num\">a</th><th class=\"num\">b</th><th class=\"num\">w<sub>a</sub></th><th class=\"num\">w<sub>b</sub></th><th class=\"num\">factors</th><th class=\"num\">lse</th><th class=\"num\">o</th></tr>\n"
        for m in r.merges {
          s +=
            "<tr><td>\(w.rowName(m.row))</td><td>\(m.split) (CTA \(m.cta))</td><td class=\"num\">\(Walkthrough.decimal(m.runningLSE))</td><td class=\"num\">\(Walkthrough.decimal(m.incomingLSE))</td><td class=\"num\">\(Walkthrough.decimal(m.runningWeight))</td><td class=\"num\">\(Walkthrough.decimal(m.incomingWeight))</td><td class=\"num\">\(Walkthrough.decimal(m.runningFactor)) / \(Walkthrough.decimal(m.incomingFactor))</td><td class=\"num\">\(Walkthrough.decimal(m.result.logSumExp))</td><td class=\"num\">\(Walkthrough.vector(m.result.output))</td></tr>\n"
        }
        s += "</table>\n"
      }
    }
    let rows = Set(head.rows)
    s +=
      "<table><tr><th>row</th><th class=\"num\">lse</th><th class=\"num\">exact lse</th><th class=\"num\">o</th><th class=\"num\">exact o</th></tr>\n"
    for r in w.results where rows.contains(r.row) {
      s +=
        "<tr><td>\(w.rowName(r.row))</td><td class=\"num\">\(Walkthrough.decimal(r.logSumExp))</td><td class=\"num\">\(Walkthrough.decimal(r.exactLogSumExp))</td><td class=\"num\">\(Walkthrough.vector(r.output))</td><td class=\"num\">\(Walkthrough.vector(r.exactOutput))</td></tr>\n"
    }
    return s + "</table>\n</section>\n"
  }

  /// The page's behaviour: plain DOM calls, no library.
  static let script = """
    window.addEventListener('error', function (e) {
      document.documentElement.setAttribute('data-error', String(e.message));
    });
    (function () {
      var pinned = null;
      var hint = document.getElementById('hint');
      function show(id) {
        document.querySelectorAll('.detail').forEach(function (d) { d.hidden = d.id !== id; });
        hint.hidden = id !== null;
        document.querySelectorAll('.cta-row').forEach(function (g) {
          g.classList.toggle('active', id === 'cta-' + g.getAttribute('data-cta'));
        });
        var head = id && id.indexOf('head-') === 0 ? id.slice(5) : null;
        document.querySelectorAll('.piece').forEach(function (r) {
          r.classList.toggle('dim', head !== null && r.getAttribute('data-head') !== head);
        });
      }
      function wire(selector, prefix, attribute) {
        document.querySelectorAll(selector).forEach(function (el) {
          var id = prefix + el.getAttribute(attribute);
          el.addEventListener('mouseenter', function () { show(id); });
          el.addEventListener('mouseleave', function () { show(pinned); });
          el.addEventListener('click', function (event) {
            event.stopPropagation();
            pinned = pinned === id ? null : id;
            show(pinned || id);
          });
        });
      }
      wire('.cta-row', 'cta-', 'data-cta');
      wire('.head-key', 'head-', 'data-head');
      var start = location.hash.slice(1);
      if (start && document.getElementById(start)) { pinned = start; show(start); }
      document.documentElement.setAttribute('data-ready', 'yes');
    })();
    """
}
