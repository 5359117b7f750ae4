import Foundation
import LeanAttention
import SafeTensors

/// The verdict on a candidate output against a golden file.
///
/// Under FlashAttention's rule (``TolerancePolicy/flashAttention``) every
/// element of `O` whose row sees a key must be within
/// ``ToleranceBound/threshold`` of the golden value; so must every element of
/// the LSE when the candidate has one. Each element is checked against the
/// bound on its own, so one NaN or one far-off element cannot hide behind a
/// maximum: ``outputExceeding`` counts them. Rows that see no key must be
/// exactly `O = 0` (and `LSE = −∞` when there is an LSE).
public struct Comparison: Sendable {
  /// The precision the candidate was judged at.
  public var precision: DType
  /// Whether ``precision`` was stated (`--dtype`) rather than assumed from the stored dtype.
  public var precisionStated: Bool
  /// The policy applied.
  public var policy: TolerancePolicy
  /// Output error statistics (rows that see a key).
  public var output: ErrorStatistics
  /// LSE error statistics, when the candidate has an LSE.
  public var logSumExp: ErrorStatistics?
  /// The precision the LSE was judged at, when the candidate has one.
  public var logSumExpPrecision: DType?
  /// FlashAttention's bound on the output error.
  public var outputBound: ToleranceBound?
  /// FlashAttention's bound on the LSE error.
  public var logSumExpBound: ToleranceBound?
  /// Output elements outside their bound (NaN and infinities included).
  public var outputExceeding = 0
  /// LSE elements outside their bound (NaN and infinities included).
  public var logSumExpExceeding = 0
  /// Rows that see no key whose output is not exactly 0 or whose LSE is not −∞.
  public var emptyRowViolations = 0
  /// Why the candidate failed; empty when it passed.
  public var failures: [String] = []

  /// Whether the candidate passed.
  public var passed: Bool { failures.isEmpty }
  /// The precision judged at (the name earlier versions used).
  public var dtype: DType { precision }
  /// The emulation's max output error, under FlashAttention's rule.
  public var emulatedOutputError: Double? { outputBound?.emulatedError }
  /// The largest output error allowed, under FlashAttention's rule.
  public var outputThreshold: Double? { outputBound?.threshold }
  /// The largest LSE error allowed, under FlashAttention's rule.
  public var logSumExpThreshold: Double? { logSumExpBound?.threshold }

  /// Judges a candidate given as flat arrays.
  ///
  /// - Parameters:
  ///   - golden: the checked golden file.
  ///   - output: the candidate's `O`, widened to `Double`, `[totalQ, Hq, D]` flat.
  ///   - dtype: the precision the candidate was computed in.
  ///   - logSumExp: the candidate's natural-log `LSE [totalQ, Hq]`, if any,
  ///     judged at F32 (F64 for an F64 candidate).
  ///   - policy: how the error is judged; FlashAttention's rule unless given.
  /// - Throws: ``ComparisonError``.
  /// - Complexity: O(the case's attention work), for the emulation.
  public static func judge(
    golden: GoldenFile, output: [Double], dtype: DType, logSumExp: [Double]?,
    policy: TolerancePolicy = .flashAttention
  ) throws(ComparisonError) -> Comparison {
    let basis = try ComparisonBasis(GoldenData(golden), precision: dtype, policy: policy)
    return try basis.judge(output: output, logSumExp: logSumExp)
  }

  /// Judges a candidate safetensors file holding `o` and optionally `lse`.
  ///
  /// Shapes must be exactly the golden ones; nothing is reshaped.
  ///
  /// - Parameters:
  ///   - golden: the checked golden file.
  ///   - candidate: the candidate file, holding `o` and optionally `lse`.
  ///   - precision: the precision the candidate was computed in; `nil` assumes
  ///     the dtype `o` is stored in. It may not be wider than that dtype.
  ///   - policy: how the error is judged; FlashAttention's rule unless given.
  /// - Throws: ``ComparisonError``: a missing tensor, a wrong shape or dtype,
  ///   or an unusable golden file.
  public static func judge(
    golden: GoldenFile, candidate: SafeTensorsFile, precision: DType? = nil,
    policy: TolerancePolicy = .flashAttention
  ) throws(ComparisonError) -> Comparison {
    let data = try GoldenData(golden)
    func read<R>(_ body: () throws(SafeTensorsError) -> R) throws(ComparisonError) -> R {
      do { return try body() } catch { throw .golden(.file(error)) }
    }
    /// A floating-point candidate tensor of exactly `shape`, and its dtype.
    func tensor(_ name: String, _ shape: [Int]) throws(ComparisonError) -> ([Double], DType) {
      let e = try read { () throws(SafeTensorsError) in try candidate.entry(name) }
      guard e.dtype.isFloatingPoint, e.dtype.unitRoundoff != nil else {
        throw .notFloatingPoint(tensor: name, dtype: e.dtype)
      }
      guard e.shape == shape else {
        throw .shapeMismatch(tensor: name, candidate: e.shape, expected: shape)
      }
      return (try read { () throws(SafeTensorsError) in try candidate.doubles(name) }, e.dtype)
    }
    let (o, stored) = try tensor(GoldenFormat.Tensor.output, data.outputShape)
    var lse: [Double]?
    var lseStored: DType?
    if candidate.contains(GoldenFormat.Tensor.logSumExp) {
      let (l, dt) = try tensor(GoldenFormat.Tensor.logSumExp, data.logSumExpShape)
      lse = l
      lseStored = dt
    }
    if let precision, let p = precision.unitRoundoff, let s = stored.unitRoundoff, p < s {
      throw .precisionWiderThanStorage(precision: precision, stored: stored)
    }
    let basis = try ComparisonBasis(data, precision: precision ?? stored, policy: policy)
    var lsePrecision = basis.defaultLogSumExpPrecision
    if let lseStored, let a = lseStored.unitRoundoff, let b = lsePrecision.unitRoundoff, a > b {
      lsePrecision = lseStored  // a stored LSE holds at most its dtype's precision
    }
    var c = try basis.judge(output: o, logSumExp: lse, logSumExpPrecision: lsePrecision)
    c.precisionStated = precision != nil
    return c
  }

  /// `(token, head, dim)` of a flat `O` index.
  public static func position(ofOutput i: Int, in p: AttentionProblem) -> (
    token: Int, head: Int, dim: Int
  ) {
    (i / (p.queryHeads * p.headDim), (i / p.headDim) % p.queryHeads, i % p.headDim)
  }
}

extension ComparisonBasis {
  /// Judges one candidate.
  ///
  /// - Parameters:
  ///   - output: `O [totalQ, Hq, D]`, flat, widened to `Double`.
  ///   - logSumExp: natural-log `LSE [totalQ, Hq]`, flat, if the candidate has one.
  ///   - logSumExpPrecision: the LSE's precision; by default F32 (F64 for an F64 candidate).
  /// - Throws: ``ComparisonError/shapeMismatch(tensor:candidate:expected:)``
  ///   when an array has the wrong number of elements.
  /// - Complexity: O(elements).
  public func judge(output: [Double], logSumExp: [Double]?, logSumExpPrecision: DType? = nil)
    throws(ComparisonError) -> Comparison
  {
    let shapeO = data.outputShape
    let shapeL = data.logSumExpShape
    let d = data.problem.headDim
    guard output.count == data.output.count else {
      throw .shapeMismatch(tensor: "o", candidate: [output.count], expected: shapeO)
    }
    if let logSumExp, logSumExp.count != data.logSumExp.count {
      throw .shapeMismatch(tensor: "lse", candidate: [logSumExp.count], expected: shapeL)
    }
    let empty = data.emptyRows
    let lsePrecision = logSumExp == nil ? nil : (logSumExpPrecision ?? defaultLogSumExpPrecision)
    var c = Comparison(
      precision: precision, precisionStated: true, policy: policy,
      output: ErrorStatistics(candidate: output, reference: data.output) { empty[$0 / d] },
      logSumExp: logSumExp.map {
        ErrorStatistics(candidate: $0, reference: data.logSumExp) { empty[$0] }
      },
      logSumExpPrecision: lsePrecision)

    // Rows that see no key: exactly the empty state.
    for r in empty.indices where empty[r] {
      let zero = (0..<d).allSatisfy { output[r * d + $0] == 0 }
      let lseOK = logSumExp.map { $0[r] == -.infinity } ?? true
      if !zero || !lseOK { c.emptyRowViolations += 1 }
    }

    // Every other element against its bound.
    let outputLimit: (Int) -> Double
    let lseLimit: (Int) -> Double
    let rule: String
    switch policy {
    case .explicit(let atol, let rtol):
      outputLimit = { atol + rtol * abs(data.output[$0]) }
      lseLimit = { atol + rtol * abs(data.logSumExp[$0]) }
      rule = "atol \(atol) + rtol \(rtol) · |golden|"
    case .flashAttention:
      c.outputBound = outputBound
      c.logSumExpBound = lsePrecision.flatMap { logSumExpBound(in: $0) }
      let t = outputBound?.threshold ?? 0
      let tl = c.logSumExpBound?.threshold ?? 0
      outputLimit = { _ in t }
      lseLimit = { _ in tl }
      rule = "FlashAttention's bound"
    }
    for n in output.indices where !empty[n / d] {
      if !(abs(output[n] - data.output[n]) <= outputLimit(n)) { c.outputExceeding += 1 }
    }
    if let logSumExp {
      for r in logSumExp.indices where !empty[r] {
        if !(abs(logSumExp[r] - data.logSumExp[r]) <= lseLimit(r)) { c.logSumExpExceeding += 1 }
      }
    }

    if c.emptyRowViolations > 0 {
      c.failures.append(
        "\(c.emptyRowViolations) fully masked rows (rows that see no key) are not O = 0 with LSE = −inf"
      )
    }
    if c.output.nanCount > 0 { c.failures.append("O has \(c.output.nanCount) NaN values") }
    if c.output.infCount > 0 { c.failures.append("O has \(c.output.infCount) infinite values") }
    if let l = c.logSumExp, l.nanCount + l.infCount > 0 {
      c.failures.append("LSE has \(l.nanCount) NaN and \(l.infCount) wrongly infinite values")
    }
    if c.outputExceeding > 0 {
      let limit = c.outputBound.map { " (\(Self.describe($0)))" } ?? ""
      c.failures.append(
        "\(c.outputExceeding) of \(c.output.count) elements of O exceed \(rule)\(limit); max |ΔO| \(formatError(c.output.maxAbs))"
      )
    }
    if c.logSumExpExceeding > 0, let l = c.logSumExp {
      let limit = c.logSumExpBound.map { " (\(Self.describe($0)))" } ?? ""
      c.failures.append(
        "\(c.logSumExpExceeding) of \(l.count) elements of LSE exceed \(rule)\(limit); max |ΔLSE| \(formatError(l.maxAbs))"
      )
    }
    return c
  }

  static func describe(_ b: ToleranceBound) -> String {
    "\(formatError(b.threshold)) = \(b.relativeFactor.formatted()) × emulated error \(formatError(b.emulatedError)) + atol \(formatError(b.absoluteTolerance))"
  }
}

extension Double {
  fileprivate func formatted() -> String { self == rounded() ? String(Int(self)) : "\(self)" }
}

func formatError(_ x: Double) -> String { String(format: "%.3e", x) }
