import Foundation
import LeanAttention
import SafeTensors

/// The verdict on a candidate output against a golden file.
///
/// Hard failures, whatever the policy: a NaN or infinity where the golden
/// value is finite; a fully masked row (golden `LSE = −∞`) whose output is not
/// exactly 0 or whose LSE is not −∞; tensors of the wrong shape (a
/// ``GoldenError`` rather than a verdict).
public struct Comparison: Sendable {
  /// The candidate's output dtype.
  public var dtype: DType
  /// The policy applied.
  public var policy: TolerancePolicy
  /// Output error statistics (unmasked rows).
  public var output: ErrorStatistics
  /// LSE error statistics, when the candidate has an LSE.
  public var logSumExp: ErrorStatistics?
  /// The emulated computation's max output error, under the FlashAttention rule.
  public var emulatedOutputError: Double?
  /// The emulated computation's max LSE error, under the FlashAttention rule.
  public var emulatedLogSumExpError: Double?
  /// The largest output error allowed, under the FlashAttention rule.
  public var outputThreshold: Double?
  /// The largest LSE error allowed, under the FlashAttention rule.
  public var logSumExpThreshold: Double?
  /// Why the candidate failed; empty when it passed.
  public var failures: [String] = []

  /// Whether the candidate passed.
  public var passed: Bool { failures.isEmpty }

  /// Judges a candidate.
  ///
  /// - Parameters:
  ///   - output: the candidate's `O`, widened to `Double`, `[totalQ, Hq, D]`.
  ///   - dtype: the dtype it was stored in (the precision it is judged at).
  ///   - logSumExp: the candidate's natural-log `LSE [totalQ, Hq]`, if any.
  /// - Throws: ``GoldenError`` when a shape does not match or the golden file is incomplete.
  /// - Complexity: O(the case's attention work), for the emulation.
  public static func judge(
    golden: GoldenFile, output: [Double], dtype: DType, logSumExp: [Double]?,
    policy: TolerancePolicy = .flashAttention
  ) throws(GoldenError) -> Comparison {
    let p = golden.problem
    let d = p.headDim
    let rows = p.totalQueryTokens * p.queryHeads
    guard dtype.isFloatingPoint else {
      throw .incompatible("o has dtype \(dtype.rawValue); a floating-point dtype is needed")
    }
    guard output.count == rows * d else {
      throw .incompatible(
        "o has \(output.count) elements; [\(p.totalQueryTokens), \(p.queryHeads), \(d)] = \(rows * d) expected"
      )
    }
    if let logSumExp, logSumExp.count != rows {
      throw .incompatible(
        "lse has \(logSumExp.count) elements; [\(p.totalQueryTokens), \(p.queryHeads)] = \(rows) expected"
      )
    }
    let refO = try golden.output()
    let refL = try golden.logSumExp()
    let masked = refL.map { $0 == -.infinity }
    var c = Comparison(
      dtype: dtype, policy: policy,
      output: ErrorStatistics(candidate: output, reference: refO) { masked[$0 / d] },
      logSumExp: logSumExp.map {
        ErrorStatistics(candidate: $0, reference: refL) { masked[$0] }
      })

    var maskedBad = 0
    for r in 0..<rows where masked[r] {
      let zero = (0..<d).allSatisfy { output[r * d + $0] == 0 }
      let lseOK = logSumExp.map { $0[r] == -.infinity } ?? true
      if !zero || !lseOK { maskedBad += 1 }
    }
    if maskedBad > 0 {
      c.failures.append("\(maskedBad) fully masked rows are not O = 0 with LSE = −inf")
    }
    if c.output.nanCount > 0 { c.failures.append("O has \(c.output.nanCount) NaN values") }
    if c.output.infCount > 0 { c.failures.append("O has \(c.output.infCount) infinite values") }
    if let l = c.logSumExp, l.nanCount + l.infCount > 0 {
      c.failures.append("LSE has \(l.nanCount) NaN and \(l.infCount) wrongly infinite values")
    }

    switch policy {
    case .explicit(let atol, let rtol):
      func count(_ cand: [Double], _ ref: [Double], skip: (Int) -> Bool) -> Int {
        var n = 0
        for i in cand.indices where !skip(i) && ref[i].isFinite && cand[i].isFinite {
          if !(abs(cand[i] - ref[i]) <= atol + rtol * abs(ref[i])) { n += 1 }
        }
        return n
      }
      let bad = count(output, refO) { masked[$0 / d] }
      if bad > 0 {
        c.failures.append("\(bad) elements of O exceed atol \(atol) + rtol \(rtol) · |golden|")
      }
      if let logSumExp {
        let badL = count(logSumExp, refL) { masked[$0] }
        if badL > 0 {
          c.failures.append(
            "\(badL) elements of LSE exceed atol \(atol) + rtol \(rtol) · |golden|")
        }
      }
    case .flashAttention:
      let emulated = PrecisionEmulation.compute(
        try golden.inputs(as: Float.self), dtype: dtype == .f64 ? .f32 : dtype)
      let scale = dtype == .f64 ? 0x1p-29 : 1.0
      let eO = scale * ErrorStatistics(candidate: emulated.output, reference: refO).maxAbs
      let eL = scale * ErrorStatistics(candidate: emulated.logSumExp, reference: refL).maxAbs
      let maxL = refL.lazy.filter(\.isFinite).map(abs).max() ?? 0
      let u = dtype.unitRoundoff ?? 0
      c.emulatedOutputError = eO
      c.emulatedLogSumExpError = eL
      c.outputThreshold = 2 * eO + u
      c.logSumExpThreshold = 2 * eL + 8 * 0x1p-24 * max(1, maxL)
      if let t = c.outputThreshold, c.output.maxAbs > t {
        c.failures.append(
          "max |ΔO| \(format(c.output.maxAbs)) exceeds 2 × emulated \(dtype.rawValue) error \(format(eO)) + \(format(u))"
        )
      }
      if let l = c.logSumExp, let t = c.logSumExpThreshold, l.maxAbs > t {
        c.failures.append(
          "max |ΔLSE| \(format(l.maxAbs)) exceeds 2 × emulated error \(format(eL)) + \(format(t - 2 * eL))"
        )
      }
    }
    return c
  }

  /// Judges a candidate safetensors file holding `o` and optionally `lse`.
  ///
  /// - Throws: ``GoldenError`` when `o` is missing or a shape does not match.
  public static func judge(
    golden: GoldenFile, candidate: SafeTensorsFile, policy: TolerancePolicy = .flashAttention
  ) throws(GoldenError) -> Comparison {
    let o: [Double]
    let dtype: DType
    var lse: [Double]?
    do throws(SafeTensorsError) {
      let entry = try candidate.entry(GoldenFormat.Tensor.output)
      dtype = entry.dtype
      o = try candidate.doubles(entry.name)
      if candidate.contains(GoldenFormat.Tensor.logSumExp) {
        lse = try candidate.doubles(GoldenFormat.Tensor.logSumExp)
      }
    } catch { throw .file(error) }
    return try judge(golden: golden, output: o, dtype: dtype, logSumExp: lse, policy: policy)
  }

  /// `(token, head, dim)` of a flat `O` index.
  public static func position(ofOutput i: Int, in p: AttentionProblem) -> (
    token: Int, head: Int, dim: Int
  ) {
    (i / (p.queryHeads * p.headDim), (i / p.headDim) % p.queryHeads, i % p.headDim)
  }
}

func format(_ x: Double) -> String { String(format: "%.3e", x) }
