import Foundation
import LeanAttention
import SafeTensors

extension Comparison {
  /// The verdict as `compare` prints it: statistics, the worst element, the
  /// rule with its numbers, the verdict and the reasons for a failure.
  ///
  /// The first line names the precision judged at and whether it was stated
  /// or assumed from the stored dtype.
  public func report(for p: AttentionProblem) -> String {
    let e = formatError
    let how = precisionStated ? "stated" : "assumed from the stored dtype; state it with --dtype"
    var lines = [
      "precision \(precision.rawValue) (\(how)); \(output.count) output elements compared"
    ]
    let o = output
    lines.append(
      "O:   max abs \(e(o.maxAbs))  mean abs \(e(o.meanAbs))  max rel \(e(o.maxRel))  mean rel \(e(o.meanRel))  NaN \(o.nanCount)  Inf \(o.infCount)  over bound \(outputExceeding)"
    )
    if let i = o.worstIndex {
      let (t, h, d) = Comparison.position(ofOutput: i, in: p)
      lines.append("     worst element: token \(t), head \(h), dim \(d)")
    }
    if let l = logSumExp {
      lines.append(
        "LSE: max abs \(e(l.maxAbs))  mean abs \(e(l.meanAbs))  max rel \(e(l.maxRel))  NaN \(l.nanCount)  Inf \(l.infCount)  over bound \(logSumExpExceeding)  (judged at \(logSumExpPrecision?.rawValue ?? "?"))"
      )
    } else {
      lines.append("LSE: not in the candidate")
    }
    switch policy {
    case .flashAttention:
      if let b = outputBound {
        lines.append("rule: FlashAttention's; O bound \(ComparisonBasis.describe(b))")
      }
      if let b = logSumExpBound {
        lines.append("      LSE bound \(ComparisonBasis.describe(b))")
      }
    case .explicit(let atol, let rtol):
      lines.append("rule: |c − g| ≤ \(atol) + \(rtol)·|g|")
    }
    lines.append(passed ? "verdict: PASS" : "verdict: FAIL")
    for f in failures { lines.append("  - \(f)") }
    return lines.joined(separator: "\n")
  }

  /// The verdict as JSON, for other projects' CI.
  ///
  /// Keys: `verdict` (`"pass"`/`"fail"`), `precision`, `precision_stated`,
  /// `rule`, `output` and `lse` (statistics, `threshold`, `emulated_error`,
  /// `rtol`, `atol`, `over_bound`; `lse` is `null` when the candidate has none),
  /// `worst_element` (`token`, `head`, `dim`), `empty_row_violations`, `failures`.
  /// Non-finite numbers (a NaN error) are written as `null`.
  public func json(for p: AttentionProblem) -> JSONValue {
    func num(_ x: Double) -> JSONValue { x.isFinite ? .number("\(x)") : .null }
    func stats(_ s: ErrorStatistics, _ b: ToleranceBound?, over: Int, precision: DType?)
      -> JSONValue
    {
      var pairs: [(key: String, value: JSONValue)] = [
        ("count", .int(s.count)), ("max_abs", num(s.maxAbs)), ("mean_abs", num(s.meanAbs)),
        ("max_rel", num(s.maxRel)), ("mean_rel", num(s.meanRel)), ("nan", .int(s.nanCount)),
        ("inf", .int(s.infCount)), ("over_bound", .int(over)),
      ]
      if let precision { pairs.append(("precision", .string(precision.rawValue))) }
      if let b {
        pairs += [
          ("threshold", num(b.threshold)), ("emulated_error", num(b.emulatedError)),
          ("rtol", num(b.relativeFactor)), ("atol", num(b.absoluteTolerance)),
        ]
      }
      return .object(pairs)
    }
    let rule: JSONValue
    switch policy {
    case .flashAttention: rule = .string("flash-attention")
    case .explicit(let atol, let rtol):
      rule = .object([("atol", num(atol)), ("rtol", num(rtol))])
    }
    var worst = JSONValue.null
    if let i = output.worstIndex {
      let (t, h, d) = Comparison.position(ofOutput: i, in: p)
      worst = .object([("token", .int(t)), ("head", .int(h)), ("dim", .int(d))])
    }
    return .object([
      ("verdict", .string(passed ? "pass" : "fail")),
      ("precision", .string(precision.rawValue)),
      ("precision_stated", .bool(precisionStated)),
      ("rule", rule),
      ("output", stats(output, outputBound, over: outputExceeding, precision: precision)),
      (
        "lse",
        logSumExp.map {
          stats($0, logSumExpBound, over: logSumExpExceeding, precision: logSumExpPrecision)
        } ?? .null
      ),
      ("worst_element", worst),
      ("empty_row_violations", .int(emptyRowViolations)),
      ("failures", .array(failures.map { .string($0) })),
    ])
  }
}
