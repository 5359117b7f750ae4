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
      Default rule (FlashAttention-3's): every |O − O_f64| ≤ rtol × the max error of the same \
      computation emulated in the candidate's precision + atol, where atol is FlashAttention's \
      fwd_atol (2·max|(O + 0.3 − 0.3) − O| in that precision) and rtol is 2 (3 with a soft-cap). \
      Shapes must be exactly o [totalQ, Hq, D] and lse [totalQ, Hq]. --atol/--rtol replace the \
      rule with |c − g| ≤ atol + rtol·|g|. Exit status: 0 pass, 1 fail, 2 unreadable or \
      mismatched files or bad arguments (one line on stderr).
      """)

  @Option(help: "The golden file.") var golden: String
  @Option(help: "The candidate file: `o` [totalQ, Hq, D], optional `lse` [totalQ, Hq].")
  var candidate: String
  @Option(
    help: ArgumentHelp(
      "The precision the candidate was computed in (f16, bf16, f32, f64), when the file stores a wider type.",
      discussion:
        "Without it, the precision of o's stored dtype is assumed, and the verdict says so."
    ))
  var dtype: String?
  @Option(help: "Absolute tolerance (replaces the default rule).") var atol: Double?
  @Option(help: "Relative tolerance (replaces the default rule).") var rtol: Double?
  @Flag(help: "Print the verdict as JSON.") var json = false

  func run() throws {
    let comparison: Comparison
    let problem: AttentionProblem
    do {
      let precision = try dtype.map(Self.precision(named:))
      for (name, v) in [("--atol", atol), ("--rtol", rtol)] {
        if let v, !(v.isFinite && v >= 0) {
          throw ComparisonError.invalidTolerance(name: name, value: v)
        }
      }
      let g: GoldenFile
      do { g = try GoldenFile(contentsOf: golden) } catch { throw ComparisonError.golden(error) }
      problem = g.problem
      let c: SafeTensorsFile
      do { c = try SafeTensorsFile(contentsOf: candidate) } catch {
        throw ComparisonError.golden(.file(error))
      }
      let policy: TolerancePolicy =
        atol == nil && rtol == nil ? .flashAttention : .explicit(atol: atol ?? 0, rtol: rtol ?? 0)
      comparison = try Comparison.judge(
        golden: g, candidate: c, precision: precision, policy: policy)
    } catch {
      FileHandle.standardError.write(Data("error: \(error)\n".utf8))
      throw ExitCode(2)
    }
    print(json ? comparison.json(for: problem).serialized : comparison.report(for: problem))
    if !comparison.passed { throw ExitCode.failure }
  }

  /// The precision `--dtype` names.
  static func precision(named name: String) throws(ComparisonError) -> DType {
    switch name.lowercased() {
    case "f16", "float16", "half": return .f16
    case "bf16", "bfloat16": return .bf16
    case "f32", "float32", "float": return .f32
    case "f64", "float64", "double": return .f64
    default: throw .unknownPrecision(name)
    }
  }
}

/// The text `compare` prints (the demo prints it too).
struct ComparisonReport {
  var text: String

  init(_ c: Comparison, problem p: AttentionProblem) { text = c.report(for: p) }
}
