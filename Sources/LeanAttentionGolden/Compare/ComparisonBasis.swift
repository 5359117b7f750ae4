import LeanAttention
import SafeTensors

/// What a candidate of one precision is judged against: the checked golden
/// data and the bounds the policy derives from it for that precision.
///
/// The three emulations behind FlashAttention's rule each cost as much as the
/// attention itself, so they run once here, and any number of candidates of the same
/// precision are judged against the result.
public struct ComparisonBasis: Sendable {
  /// The checked golden data.
  public let data: GoldenData
  /// The precision `T` candidates are judged at.
  public let precision: DType
  /// The policy.
  public let policy: TolerancePolicy
  /// The bound on `max |O − O₆₄|`, under FlashAttention's rule.
  public let outputBound: ToleranceBound?
  /// The emulations' `LSE`s, one per ``PrecisionEmulation/Order``, under
  /// FlashAttention's rule (empty otherwise).
  let emulatedLogSumExps: [[Double]]
  /// `scale · max_i ‖q_i‖₂ · max_j ‖k_j‖₂`: a bound on `Σ_d |q_d k_jd| · scale`
  /// for every score, so `u_T` times it bounds the score error of rounding a
  /// scaled operand to `T`.
  let scoreMagnitude: Double
  /// The most keys any row sees: the length of the longest sum behind an LSE.
  let longestRow: Int

  /// Runs the emulations in `precision` (under FlashAttention's rule).
  ///
  /// - Throws: ``ComparisonError/unsupportedPrecision(_:)``,
  ///   ``ComparisonError/invalidTolerance(name:value:)`` for an explicit
  ///   tolerance that is negative or not finite, ``ComparisonError/golden(_:)``
  ///   when the inputs cannot be read, and ``ComparisonError/inconsistentGolden(_:)``
  ///   when the emulation is not finite (metadata that does not describe the tensors).
  /// - Complexity: O(four times the case's attention work) under FlashAttention's rule, O(1) otherwise.
  public init(_ data: GoldenData, precision: DType, policy: TolerancePolicy = .flashAttention)
    throws(ComparisonError)
  {
    guard precision.unitRoundoff != nil else { throw .unsupportedPrecision(precision) }
    self.data = data
    self.precision = precision
    self.policy = policy
    switch policy {
    case .explicit(let atol, let rtol):
      for (name, v) in [("atol", atol), ("rtol", rtol)] where !(v.isFinite && v >= 0) {
        throw .invalidTolerance(name: name, value: v)
      }
      outputBound = nil
      emulatedLogSumExps = []
      scoreMagnitude = 0
      longestRow = 0
    case .flashAttention:
      let inputs: AttentionInputs<Float>
      do { inputs = try data.golden.inputs(as: Float.self) } catch { throw .golden(error) }
      // e_T is the largest error of the three orders (see PrecisionEmulation),
      // or the scores' order sensitivity where that is larger (see
      // ScoreOrderSensitivity). With the reference's order alone, the rule
      // failed an independent split-KV recompute on 1 of 20 extreme-scores
      // seeds in F16 and BF16 (one element up to 1.5x the bound).
      let d = data.problem.headDim
      let empty = data.emptyRows
      var e = 0.0
      var lses: [[Double]] = []
      for order in PrecisionEmulation.Order.allCases {
        let emulated = try PrecisionEmulation.compute(
          inputs, rows: data.visibleRows, precision: precision, order: order)
        for (n, x) in emulated.output.enumerated() where !empty[n / d] {
          let err = abs(x - data.output[n])
          guard err.isFinite else {
            throw .inconsistentGolden(
              "the \(precision.rawValue) emulation of the case metadata gives a non-finite O at flat index \(n); the metadata (scale, soft_cap) does not describe these tensors"
            )
          }
          e = max(e, err)
        }
        lses.append(emulated.logSumExp)
      }
      e = max(
        e,
        ScoreOrderSensitivity.maximum(
          inputs, rows: data.visibleRows, output: data.output,
          accumulationRoundoff: precision == .f64 ? 0x1p-53 : 0x1p-24))
      outputBound = ToleranceBound(
        emulatedError: e, relativeFactor: ToleranceBound.relativeFactor(for: data.problem),
        absoluteTolerance: ToleranceBound.absoluteTolerance(of: data.output, in: precision) {
          !empty[$0 / d]
        })
      emulatedLogSumExps = lses
      func maxNorm(_ x: [Float]) -> Double {
        var m = 0.0
        for start in stride(from: 0, to: x.count, by: d) {
          var s = 0.0
          for e in start..<(start + d) { s += Double(x[e]) * Double(x[e]) }
          m = max(m, s)
        }
        return m.squareRoot()
      }
      let (keys, _) = inputs.keyValueStorage
      scoreMagnitude = data.problem.scale * maxNorm(inputs.queries.storage) * maxNorm(keys)
      longestRow = data.visibleRows.lazy.map(\.keys.count).max() ?? 0
    }
  }

  /// The precision an LSE is judged at by default: F32, as kernels keep it,
  /// or F64 for an F64 candidate.
  public var defaultLogSumExpPrecision: DType { precision == .f64 ? .f64 : .f32 }

  /// The bound on `max |LSE − LSE₆₄|` for an LSE of `lsePrecision` `U`, under FlashAttention's rule.
  ///
  /// The emulations' LSEs, rounded to `U`, give `e` (the largest error of the three); `rtol` is the output's. The
  /// absolute part cannot be `fwd_atol`: `x + 0.3 − 0.3` is exact for most
  /// `|x| > 1`, where LSEs live. It is instead what a correct kernel may differ
  /// by beyond the emulation: two unit roundoffs of `U` at the largest `|LSE|`,
  /// plus `u_T` times the largest possible `Σ_d |q_d k_jd| · scale` (the score
  /// error of rounding a scaled Q or K to `T`, which the emulation does on K only),
  /// plus the error of summing the longest row's `n` exponentials in another
  /// order, `2 · √n · u_A` in the accumulation precision `A` (F32, or F64 for
  /// F64): the probabilistic bound of Higham and Mary (2019) on a sum of `n`
  /// terms, since `δ log l = δl / l`:
  ///
  ///     atol_LSE = 2 · u_U · max |LSE₆₄| + u_T · scale · max ‖q‖₂ · max ‖k‖₂ + 2 · √n · u_A
  ///
  /// - Complexity: O(rows).
  public func logSumExpBound(in lsePrecision: DType) -> ToleranceBound? {
    guard !emulatedLogSumExps.isEmpty else { return nil }
    let empty = data.emptyRows
    var e = 0.0
    for emulated in emulatedLogSumExps {
      for (r, x) in emulated.enumerated() where !empty[r] {
        let err = abs(lsePrecision.roundingToDouble(x) - data.logSumExp[r])
        if err.isFinite { e = max(e, err) }
      }
    }
    let largest = data.logSumExp.lazy.filter(\.isFinite).map(abs).max() ?? 0
    let atol =
      2 * (lsePrecision.unitRoundoff ?? 0) * largest
      + (precision.unitRoundoff ?? 0) * scoreMagnitude
      + 2 * Double(longestRow).squareRoot() * (precision == .f64 ? 0x1p-53 : 0x1p-24)
    return ToleranceBound(
      emulatedError: e, relativeFactor: ToleranceBound.relativeFactor(for: data.problem),
      absoluteTolerance: atol.isFinite ? atol : 0)
  }
}
