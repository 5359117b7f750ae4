import Foundation
import LeanAttention

extension Walkthrough {
  /// How many values of `o` the text and the page show per state.
  public static let shownValues = 4

  /// The walkthrough as the text `leanattn explain` prints.
  ///
  /// LSEs, weights and factors have six decimals, outputs six significant
  /// digits, errors three; every number is the walkthrough's own, so the text
  /// is the same on every machine.
  /// - Complexity: O(pieces · rows).
  public func text() -> String {
    let c = configuration
    let p = problem
    var lines: [String] = []
    let attention =
      p.kvHeads == p.queryHeads ? "MHA" : "\(p.queryHeads / p.kvHeads) query heads per KV head"
    lines.append(
      "LeanAttention explain — decode: 1 request, \(p.queryHeads) heads (\(attention)), \(c.tokens) KV tokens, D \(p.headDim), \(c.smCount) SMs, \(schedule.partitioner) (seed \(c.seed))"
    )
    lines.append(
      "Inputs: seeded Philox Float32; arithmetic: fixed-order Float64, the same numbers on every machine."
    )
    lines.append("")
    lines.append("1. Lean tiles: \(schedule.blockN) KV tokens each; a head's tiles in KV order")
    for h in heads {
      // Long heads show their first two tiles and the last one.
      let shown =
        h.tiles.count > 6 ? Array(h.tiles.prefix(2)) + [h.tiles[h.tiles.count - 1]] : h.tiles
      var spans = shown.map { "[\($0.lowerBound), \($0.upperBound))" }
      if h.tiles.count > 6 { spans.insert("…", at: 2) }
      lines.append(
        "   \(headName(h.output)): \(h.tiles.count) tiles  \(spans.joined(separator: " "))")
    }
    lines.append("   \(metrics.totalTiles) tiles in all")
    lines.append("")
    lines.append(
      "2. Schedule: \(schedule.partitioner), grid \(ctas.count) CTAs on \(c.smCount) SMs, tiles per CTA \(metrics.minTilesPerCTA)–\(metrics.maxTilesPerCTA)"
    )
    switch c.partitioner {
    case .lean where c.grid == nil:
      lines.append(
        "   the grid is ONNX Runtime's default for \(metrics.totalTiles) tiles on \(c.smCount) SMs (LeanPartitioner.defaultGrid); --grid sets it"
      )
    case .fixedSplit where c.splits == nil:
      lines.append(
        "   \(metrics.numSplits ?? 1) splits per head, by FlashAttention-2's num_splits_heuristic; --splits sets them"
      )
    default: break
    }
    for cta in ctas {
      let work = cta.pieces.map { piece in
        "\(headName(piece.head)) \(tileRange(piece.blocks)) (tokens \(piece.tokens.lowerBound)..<\(piece.tokens.upperBound))"
      }
      let roles = cta.pieces.map { piece in
        piece.split == 0
          ? "hosts \(headName(piece.head))"
          : "peer of \(headName(piece.head)) (split \(piece.split))"
      }
      lines.append(
        "   CTA \(cta.index) on SM \(cta.sm): \(work.isEmpty ? "no work" : work.joined(separator: " + "))"
          + (roles.isEmpty ? "" : "  · \(roles.joined(separator: ", "))"))
    }
    for r in reductions {
      let peers = ctas.flatMap(\.pieces).filter { $0.head == r.head && $0.split > 0 }
        .sorted { $0.split < $1.split }
      lines.append(
        "   \(headName(r.head)): host CTA \(r.host)"
          + (peers.isEmpty
            ? ", no peers"
            : ", peers " + peers.map { "CTA \($0.cta) (split \($0.split))" }.joined(separator: ", "))
      )
    }
    lines.append(
      String(
        format: "   simulated: makespan %.0f KV-token units, SM utilization %.0f%%",
        metrics.makespan,
        metrics.smUtilization * 100))
    lines.append("")
    lines.append(
      "3. Partial states: each CTA's piece, lse = log Σ exp(s) over its keys, o normalized (first \(Self.shownValues) of \(p.headDim) values)"
    )
    for cta in ctas {
      for piece in cta.pieces {
        lines.append(
          "   CTA \(cta.index) · \(headName(piece.head)) split \(piece.split) · tokens \(piece.tokens.lowerBound)..<\(piece.tokens.upperBound)"
        )
        for s in piece.states {
          lines.append(
            "      \(rowName(s.row)): lse \(Self.decimal(s.logSumExp))  o \(Self.vector(s.output))")
        }
      }
    }
    lines.append("")
    lines.append(
      "4. Merges by the hosts: m = max(a, b), w = e^(lse − m), factor = w / (w_a + w_b), lse = m + log(w_a + w_b)"
    )
    let merging = reductions.filter { !$0.merges.isEmpty }
    if merging.isEmpty {
      lines.append("   none: every head is one piece, and its CTA writes the output directly")
    }
    for r in merging {
      lines.append("   \(headName(r.head)) on host CTA \(r.host):")
      for m in r.merges {
        lines.append(
          "      \(rowName(m.row)) + split \(m.split) from CTA \(m.cta): a \(Self.decimal(m.runningLSE)), b \(Self.decimal(m.incomingLSE)), w_a \(Self.decimal(m.runningWeight)), w_b \(Self.decimal(m.incomingWeight)), factors \(Self.decimal(m.runningFactor)) / \(Self.decimal(m.incomingFactor)) → lse \(Self.decimal(m.result.logSumExp))  o \(Self.vector(m.result.output))"
        )
      }
    }
    lines.append("")
    lines.append("5. Output next to exact attention (fixed-order Float64, no splits)")
    for r in results {
      lines.append(
        "   \(rowName(r.row)): lse \(Self.decimal(r.logSumExp)) (exact \(Self.decimal(r.exactLogSumExp)))  o \(Self.vector(r.output))"
      )
      lines.append(
        "   \(String(repeating: " ", count: rowName(r.row).count))  exact o \(Self.vector(r.exactOutput))"
      )
    }
    lines.append(
      "   max |O − O_exact| = \(Self.scientific(maxOutputError)), max |LSE − LSE_exact| = \(Self.scientific(maxLSEError))"
    )
    return lines.joined(separator: "\n") + "\n"
  }

  /// `head h` for MHA, `KV head h` when query heads share it.
  func headName(_ output: Int) -> String {
    let kv = heads[output].kvHead
    return problem.groupSize == 1 ? "head \(kv)" : "KV head \(kv)"
  }

  func rowName(_ row: Row) -> String { "q head \(row.queryHead)" }

  func tileRange(_ blocks: Range<Int>) -> String {
    blocks.count == 1
      ? "tile \(blocks.lowerBound)" : "tiles \(blocks.lowerBound)–\(blocks.upperBound - 1)"
  }

  /// Six decimals: the precision of the printed LSEs, weights and factors.
  public static func decimal(_ x: Double) -> String { String(format: "%.6f", x) }

  /// Three significant digits in scientific notation: the printed errors.
  public static func scientific(_ x: Double) -> String { String(format: "%.3e", x) }

  /// The first ``shownValues`` values, `%+.6f`, then `…`.
  public static func vector(_ v: [Double]) -> String {
    let shown = v.prefix(shownValues).map { String(format: "%+.6f", $0) }
    return "[" + shown.joined(separator: ", ") + (v.count > shownValues ? ", …]" : "]")
  }
}
