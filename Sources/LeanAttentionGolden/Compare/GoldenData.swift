import LeanAttention
import SafeTensors

/// The golden side of a comparison, read once and checked before any work.
///
/// A golden file's checksums prove its tensors are intact, not that its
/// metadata agrees with them or that its values are sane; a file edited by
/// hand, or written by another tool, can hold either. Before `compare` sizes
/// a buffer or runs a loop from the metadata, this checks:
///
/// - every size the metadata implies (token totals, `tokens · heads · D`, the
///   mask's window bounds) with overflow-reporting arithmetic;
/// - that `cu_seqlens_q` and `cu_seqlens_k` are the metadata's requests, and
///   that `o` and `lse` have exactly the shapes they imply;
/// - that no floating-point tensor holds NaN or an infinity, except `lse` and
///   `lse_f32` = −∞ on the rows that see no key, and `partial_lse` = −∞ where a
///   row has fewer splits; and that rows that see no key have `O = 0`, `LSE = −∞`.
///
/// After these checks every loop is bounded by the file's real tensor sizes.
public struct GoldenData: Sendable {
  /// The golden file.
  public let golden: GoldenFile
  /// Its problem.
  public var problem: AttentionProblem { golden.problem }
  /// `[totalQ, Hq, D]`.
  public let outputShape: [Int]
  /// `[totalQ, Hq]`.
  public let logSumExpShape: [Int]
  /// The golden `O`, Float64, flat.
  public let output: [Double]
  /// The golden natural-log `LSE`, Float64, flat.
  public let logSumExp: [Double]
  /// Whether each `(token, head)` row sees no key (`O = 0`, `LSE = −∞`).
  public let emptyRows: [Bool]
  /// The query tokens that see a key, with their keys: computed once here for
  /// the emulations and estimates that loop over them.
  let visibleRows: [VisibleQueryRow]

  /// Reads and checks `golden`.
  ///
  /// - Throws: ``ComparisonError/sizeOverflow(_:)``,
  ///   ``ComparisonError/inconsistentGolden(_:)``,
  ///   ``ComparisonError/nonFiniteGolden(tensor:index:value:)`` or
  ///   ``ComparisonError/golden(_:)``.
  /// - Complexity: O(the file's size).
  public init(_ golden: GoldenFile) throws(ComparisonError) {
    typealias T = GoldenFormat.Tensor
    self.golden = golden
    let p = golden.problem
    let file = golden.file

    // 1. Sizes, overflow-checked.
    func checked(_ r: (partialValue: Int, overflow: Bool), _ what: @autoclosure () -> String)
      throws(ComparisonError) -> Int
    {
      if r.overflow { throw .sizeOverflow(what()) }
      return r.partialValue
    }
    var totalQ = 0
    var totalKV = 0
    for (b, r) in p.requests.enumerated() {
      totalQ = try checked(
        totalQ.addingReportingOverflow(r.queryLength), "query lengths summed up to request \(b)")
      totalKV = try checked(
        totalKV.addingReportingOverflow(r.kvLength), "KV lengths summed up to request \(b)")
      // The mask's bounds: i + Lk − Lq − left ≥ Lk − Lq − left, and
      // i + Lk − Lq + right + 1 ≤ Lk + right, for 0 ≤ i < Lq.
      if case .slidingWindow(let left, let right) = p.mask {
        if let right {
          _ = try checked(
            r.kvLength.addingReportingOverflow(right),
            "window_right \(right) with kv_length \(r.kvLength) (request \(b))")
        }
        if let left {
          _ = try checked(
            (r.kvLength - r.queryLength).subtractingReportingOverflow(left),
            "window_left \(left) with query_length \(r.queryLength), kv_length \(r.kvLength) (request \(b))"
          )
        }
      }
    }
    let rows = try checked(
      totalQ.multipliedReportingOverflow(by: p.queryHeads),
      "total query tokens \(totalQ) × query_heads \(p.queryHeads)")
    _ = try checked(
      rows.multipliedReportingOverflow(by: p.headDim),
      "\(rows) rows × head_dim \(p.headDim)")
    let kvRows = try checked(
      totalKV.multipliedReportingOverflow(by: p.kvHeads),
      "total KV tokens \(totalKV) × kv_heads \(p.kvHeads)")
    _ = try checked(
      kvRows.multipliedReportingOverflow(by: p.headDim),
      "\(kvRows) KV rows × head_dim \(p.headDim)")
    outputShape = [totalQ, p.queryHeads, p.headDim]
    logSumExpShape = [totalQ, p.queryHeads]

    // 2. The metadata against the tensors.
    do throws(SafeTensorsError) {
      for (name, offsets) in [(T.queryOffsets, p.queryOffsets), (T.kvOffsets, p.kvOffsets)] {
        let e = try file.entry(name)
        guard e.shape == [offsets.count], e.dtype == .i32 else {
          throw .unexpectedTensor(
            name: name,
            reason:
              "dtype \(e.dtype.rawValue), shape \(e.shape); the case metadata needs I32 [\(offsets.count)]"
          )
        }
        let stored = try file.values(name, as: Int32.self)
        guard stored.elementsEqual(offsets, by: { Int($0) == $1 }) else {
          throw .unexpectedTensor(
            name: name, reason: "holds \(stored); the case metadata's requests give \(offsets)")
        }
      }
      for (name, shape) in [(T.output, outputShape), (T.logSumExp, logSumExpShape)] {
        let e = try file.entry(name)
        guard e.shape == shape, e.dtype.isFloatingPoint else {
          throw .unexpectedTensor(
            name: name,
            reason:
              "dtype \(e.dtype.rawValue), shape \(e.shape); the case metadata needs a float tensor of shape \(shape)"
          )
        }
      }
    } catch {
      throw .inconsistentGolden("\(error)")
    }

    // 3. Rows that see no key (bounded now: totalQ matches cu_seqlens_q).
    let visible = p.visibleQueryRows()
    var empty = [Bool](repeating: true, count: rows)
    for r in visible {
      for h in 0..<p.queryHeads { empty[r.token * p.queryHeads + h] = false }
    }
    emptyRows = empty
    visibleRows = visible

    // 4. Values.
    for e in file.tensors where e.dtype.isFloatingPoint {
      let allowNegativeInfinity: (Int) -> Bool
      switch e.name {
      case T.logSumExp, T.logSumExp32:
        allowNegativeInfinity = e.elementCount == rows ? { empty[$0] } : { _ in false }
      case T.partialLogSumExp:
        allowNegativeInfinity = { _ in true }
      default:
        allowNegativeInfinity = { _ in false }
      }
      if let (i, v) = Self.firstNonFinite(
        in: e, of: file, allowingNegativeInfinityAt: allowNegativeInfinity)
      {
        throw .nonFiniteGolden(tensor: e.name, index: i, value: v)
      }
    }
    do throws(GoldenError) {
      output = try golden.output()
      logSumExp = try golden.logSumExp()
    } catch { throw .golden(error) }
    let d = p.headDim
    for r in 0..<rows where empty[r] {
      guard logSumExp[r] == -.infinity, (0..<d).allSatisfy({ output[r * d + $0] == 0 }) else {
        throw .inconsistentGolden(
          "row \(r) (token \(r / p.queryHeads), head \(r % p.queryHeads)) sees no key, but its golden O is not 0 or its LSE is not −inf"
        )
      }
    }
    for r in 0..<rows where !empty[r] && logSumExp[r] == -.infinity {
      throw .nonFiniteGolden(tensor: T.logSumExp, index: r, value: -.infinity)
    }
  }

  /// The first element of a floating-point tensor that is NaN or infinite
  /// (−∞ is allowed where `allowed` says so), read from its bytes without a copy.
  ///
  /// - Complexity: O(n).
  static func firstNonFinite(
    in e: TensorEntry, of file: SafeTensorsFile, allowingNegativeInfinityAt allowed: (Int) -> Bool
  ) -> (index: Int, value: Double)? {
    file.withBytes(of: e) { raw -> (Int, Double)? in
      let n = e.elementCount
      func scan(_ width: Int, _ value: (Int) -> Double) -> (Int, Double)? {
        guard raw.count >= n * width else { return nil }
        for i in 0..<n {
          let x = value(i * width)
          if !x.isFinite && !(x == -.infinity && allowed(i)) { return (i, x) }
        }
        return nil
      }
      switch e.dtype {
      case .f64:
        return scan(8) {
          Double(
            bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0, as: UInt64.self))
          )
        }
      case .f32:
        return scan(4) {
          Double(
            Float(
              bitPattern: UInt32(
                littleEndian: raw.loadUnaligned(fromByteOffset: $0, as: UInt32.self))))
        }
      case .f16:
        return scan(2) {
          Double(
            Float16(
              bitPattern: UInt16(
                littleEndian: raw.loadUnaligned(fromByteOffset: $0, as: UInt16.self))))
        }
      case .bf16:
        return scan(2) {
          Double(
            Float(
              bitPattern: UInt32(
                UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0, as: UInt16.self))) << 16)
          )
        }
      default:
        return nil
      }
    }
  }
}
