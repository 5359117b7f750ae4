import ArgumentParser
import Foundation
import LeanAttention
import LeanAttentionGolden
import SafeTensors

struct CompareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Judge a candidate output (o, optional lse) against a golden file.",
    discussion: """
      Default rule (FlashAttention's): max |O − O_f64| ≤ 2 × the error of the same \
      computation emulated in the candidate's dtype + that dtype's unit roundoff. \
      --atol/--rtol replace it with |c − g| ≤ atol + rtol·|g|. Exit status: 0 pass, \
      1 fail, 2 unreadable or mismatched files.
      """)

  @Option(help: "The golden file.") var golden: String
  @Option(help: "The candidate file: `o` [totalQ, Hq, D], optional `lse` [totalQ, Hq].")
  var candidate: String
  @Option(help: "Absolute tolerance (replaces the default rule).") var atol: Double?
  @Option(help: "Relative tolerance (replaces the default rule).") var rtol: Double?

  func run() throws {
    let comparison: Comparison
    let problem: AttentionProblem
    do {
      let g = try GoldenFile(contentsOf: golden)
      problem = g.problem
      let c: SafeTensorsFile
      do { c = try SafeTensorsFile(contentsOf: candidate) } catch { throw GoldenError.file(error) }
      let policy: TolerancePolicy =
        atol == nil && rtol == nil ? .flashAttention : .explicit(atol: atol ?? 0, rtol: rtol ?? 0)
      comparison = try Comparison.judge(golden: g, candidate: c, policy: policy)
    } catch {
      print("error: \(error)")
      throw ExitCode(2)
    }
    print(ComparisonReport(comparison, problem: problem).text)
    if !comparison.passed { throw ExitCode.failure }
  }
}

/// The text `compare` prints.
struct ComparisonReport {
  var text: String

  init(_ c: Comparison, problem p: AttentionProblem) {
    func e(_ x: Double) -> String { String(format: "%.3e", x) }
    var lines = ["candidate dtype \(c.dtype.rawValue); \(c.output.count) output elements compared"]
    let o = c.output
    lines.append(
      "O:   max abs \(e(o.maxAbs))  mean abs \(e(o.meanAbs))  max rel \(e(o.maxRel))  mean rel \(e(o.meanRel))  NaN \(o.nanCount)  Inf \(o.infCount)"
    )
    if let i = o.worstIndex {
      let (t, h, d) = Comparison.position(ofOutput: i, in: p)
      lines.append("     worst element: token \(t), head \(h), dim \(d)")
    }
    if let l = c.logSumExp {
      lines.append(
        "LSE: max abs \(e(l.maxAbs))  mean abs \(e(l.meanAbs))  max rel \(e(l.maxRel))  NaN \(l.nanCount)  Inf \(l.infCount)"
      )
    } else {
      lines.append("LSE: not in the candidate")
    }
    switch c.policy {
    case .flashAttention:
      if let eo = c.emulatedOutputError, let t = c.outputThreshold {
        lines.append(
          "rule: FlashAttention's; emulated \(c.dtype.rawValue) error \(e(eo)) → O threshold \(e(t))"
            + (c.logSumExpThreshold.map { ", LSE threshold \(e($0))" } ?? ""))
      }
    case .explicit(let atol, let rtol):
      lines.append("rule: |c − g| ≤ \(atol) + \(rtol)·|g|")
    }
    lines.append(c.passed ? "verdict: PASS" : "verdict: FAIL")
    for f in c.failures { lines.append("  - \(f)") }
    text = lines.joined(separator: "\n")
  }
}
