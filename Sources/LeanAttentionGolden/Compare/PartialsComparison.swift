import Foundation
import LeanAttention
import SafeTensors

/// The verdict on a candidate's partial states against a golden file's partials.
///
/// A kernel that splits work writes a partial state `(o, lse)` for some
/// pieces of some output tiles, in FlashAttention's split-major layout
/// `O [splits, totalQ, Hq, D]`, `LSE [splits, totalQ, Hq]`. Which pieces it
/// writes follows from the schedule's `Schedule/reduction`: with
/// `ReductionStrategy/combinePass` every piece; with
/// `ReductionStrategy/hostMerge` every piece of an output cut into two or
/// more (an output of one piece is written directly). Only those are judged.
public struct PartialsComparison: Hashable, Sendable {
  /// The largest `|Δo|` over the judged rows whose LSE is finite in both.
  public var maxAbsError: Double
  /// Judged rows where exactly one of the golden and the candidate LSE is finite:
  /// a partial state the candidate did not write (or wrote where none belongs).
  public var missingRows: Int
  /// The largest error allowed.
  public var threshold: Double
  /// Why the candidate failed; empty when it passed.
  public var failures: [String]

  /// Whether the candidate passed.
  public var passed: Bool { failures.isEmpty }

  /// Judges a candidate's partial states.
  ///
  /// - Parameters:
  ///   - golden: a golden file whose partials are those of `schedule`.
  ///   - schedule: the schedule the candidate ran.
  ///   - output: the candidate's partial `O [S, totalQ, Hq, D]`, `S ≥` `Schedule/maxSplits`.
  ///   - logSumExp: the candidate's partial natural-log `LSE [S, totalQ, Hq]`.
  ///   - threshold: the largest `|Δo|` allowed (`compare` uses the output's threshold).
  /// - Throws: ``GoldenError/incompatible(_:)`` when the golden partials belong to
  ///   another schedule or a candidate array is too short; ``GoldenError/file(_:)``
  ///   when the golden partial tensors are missing or mis-shaped.
  /// - Complexity: O(judged rows · D).
  public static func judge<C: BinaryFloatingPoint>(
    golden: GoldenFile, schedule: Schedule, output: [C], logSumExp: [C], threshold: Double
  ) throws(GoldenError) -> PartialsComparison {
    let p = golden.problem
    let d = p.headDim
    let rows = p.totalQueryTokens * p.queryHeads
    guard golden.partials == PartialsDescription(schedule) else {
      throw .incompatible(
        "the golden partials are not those of the \(schedule.partitioner) schedule for \(schedule.device.name)"
      )
    }
    let splits = schedule.maxSplits
    guard logSumExp.count >= splits * rows, output.count >= splits * rows * d else {
      throw .incompatible(
        "partial states have \(logSumExp.count) LSEs and \(output.count) outputs; at least [\(splits), \(p.totalQueryTokens), \(p.queryHeads)(, \(d))] expected"
      )
    }
    let shape = [splits, p.totalQueryTokens, p.queryHeads]
    let po = try golden.doubles(GoldenFormat.Tensor.partialOutput, shape: shape + [d])
    let pl = try golden.doubles(GoldenFormat.Tensor.partialLogSumExp, shape: shape)
    var worst = 0.0
    var missing = 0
    let written = schedule.reduction == .combinePass ? 1 : 2
    for (tile, pieces) in zip(schedule.outputs, schedule.pieces) where pieces.count >= written {
      for s in pieces.indices {
        for r in tile.rows {
          let row = s * rows + tile.queryRow(r, in: p)
          guard pl[row].isFinite == Double(logSumExp[row]).isFinite else {
            missing += 1
            continue
          }
          for e in 0..<d {
            let delta = abs(Double(output[row * d + e]) - po[row * d + e])
            if delta.isNaN || delta > worst { worst = delta }  // a NaN stays the worst
          }
        }
      }
    }
    var failures: [String] = []
    if missing > 0 { failures.append("\(missing) partial rows missing") }
    if !(worst <= threshold) {
      failures.append(
        "partial max |Δ| \(String(format: "%.2e", worst)) > \(String(format: "%.2e", threshold))")
    }
    return PartialsComparison(
      maxAbsError: worst, missingRows: missing, threshold: threshold, failures: failures)
  }
}
