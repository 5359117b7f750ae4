/// Attention of a block of query rows over one window of keys: the inner step
/// shared by exact attention and by the schedule executor.
///
/// For each row `r` the keys visible to it are `visible[r] ∩ columns`. The block
/// computes, in `Scalar` arithmetic,
///
///     S = scale · Q · K[columns]ᵀ            (BLAS products)
///     P_rc = exp(S_rc − m_r) on visible keys, 0 elsewhere, m_r = max visible S_rc
///     O_r = (P · V[columns])_r / l_r,  l_r = Σ_c P_rc      (BLAS products)
///     LSE_r = m_r + log l_r
///
/// The products skip keys that no row of a sub-block sees, as under a causal
/// mask (see ``stairs(rows:columns:visible:)``).
///
/// A row with no visible key gets `O = 0` and `LSE = −∞`. NaN in a visible
/// score reaches that row's output and LSE; it is never dropped.
///
/// The scratch buffers are owned by the value and reused across calls, so one
/// value per worker thread keeps memory at `rows × columns` scores.
struct RowBlockAttention<Scalar: BLASScalar> {
  let headDim: Int
  let scale: Scalar
  let softCap: Scalar?
  private var scores: [Scalar] = []
  private var rowMax: [Scalar] = []
  private var rowSum: [Scalar] = []

  init(headDim: Int, scale: Double, softCap: Double?) {
    self.headDim = headDim
    self.scale = Scalar(scale)
    self.softCap = softCap.map { Scalar($0) }
  }

  /// Rows per step of the staircase.
  static var stairRows: Int { 128 }

  /// The block's products as a staircase of `(first row, end key)` steps.
  ///
  /// Step `i` covers rows `first_i..<rows` and keys from the previous step's
  /// end (the window's start for step 0) to `end_i`, the last key any row up
  /// to sub-block `i` sees (sub-blocks of ``stairRows`` rows). So every row
  /// gets all keys up to the last one it sees, the shared first product packs
  /// the keys once for all rows, and under a causal mask the skipped triangle
  /// is what blocks of ``stairRows`` rows would skip.
  ///
  /// - Complexity: O(rows).
  static func stairs(rows: Int, columns: Range<Int>, visible: UnsafeBufferPointer<Range<Int>>)
    -> [(first: Int, end: Int)]
  {
    guard rows > stairRows else { return [(first: 0, end: columns.upperBound)] }
    var steps: [(first: Int, end: Int)] = []
    var end = columns.lowerBound
    for first in stride(from: 0, to: rows, by: stairRows) {
      for r in first..<Swift.min(first + stairRows, rows) {
        let vis = visible[r].clamped(to: columns)
        if !vis.isEmpty { end = Swift.max(end, vis.upperBound) }
      }
      steps.append((first, end))
    }
    return steps
  }

  /// Computes normalized outputs and natural-log LSE for `rows` query rows.
  ///
  /// - Parameters:
  ///   - queries: `rows × D`, leading dimension `D`.
  ///   - keys, values: row 0 of the request's key/value panel; row `j` starts at `j · ld`.
  ///   - columns: the window of key rows to read.
  ///   - visible: for each row, the keys it may see (any range; it is clamped to `columns`).
  ///   - output: `rows × D`, leading dimension `D`, written.
  ///   - logSumExp: `rows`, written.
  /// - Complexity: O(rows · |columns| · D).
  mutating func run(
    rows: Int, queries: UnsafePointer<Scalar>,
    keys: UnsafePointer<Scalar>, values: UnsafePointer<Scalar>, ld: Int,
    columns: Range<Int>, visible: UnsafeBufferPointer<Range<Int>>,
    output: UnsafeMutablePointer<Scalar>, logSumExp: UnsafeMutablePointer<Scalar>
  ) {
    let d = headDim
    let n = columns.count
    if n == 0 || rows == 0 {
      output.update(repeating: 0, count: rows * d)
      logSumExp.update(repeating: -.infinity, count: rows)
      return
    }
    if scores.count < rows * n { scores = Array(repeating: 0, count: rows * n) }
    if rowMax.count < rows {
      rowMax = Array(repeating: 0, count: rows)
      rowSum = Array(repeating: 0, count: rows)
    }
    let c0 = columns.lowerBound
    let cap = softCap
    let alpha = scale
    // Move the buffers out of `self` so the closure below may mutate them.
    var scores = self.scores
    var rowMax = self.rowMax
    var rowSum = self.rowSum
    self.scores = []
    self.rowMax = []
    self.rowSum = []
    defer {
      self.scores = scores
      self.rowMax = rowMax
      self.rowSum = rowSum
    }
    // Keys past a row's last visible one are not multiplied; its scores
    // there are left stale and zeroed with the masked ones below.
    let stairs = Self.stairs(rows: rows, columns: columns, visible: visible)
    scores.withUnsafeMutableBufferPointer { sBuf in
      let s = sBuf.baseAddress!
      var from = c0
      for (first, end) in stairs where end > from {
        Scalar.multiplyByTranspose(
          m: rows - first, n: end - from, k: d, alpha: alpha, a: queries + first * d, lda: d,
          b: keys + from * ld, ldb: ld, c: s + first * n + (from - c0), ldc: n)
        from = end
      }
      for r in 0..<rows {
        let vis = visible[r].clamped(to: columns)
        (rowMax[r], rowSum[r]) = Self.softmaxNumerators(
          s + r * n, count: n, visible: (vis.lowerBound - c0)..<(vis.upperBound - c0),
          softCap: cap)
      }
      from = c0
      for (first, end) in stairs where end > from {
        // The first product writes every row that any product reaches.
        Scalar.multiply(
          m: rows - first, n: d, k: end - from, a: s + first * n + (from - c0), lda: n,
          b: values + from * ld, ldb: ld, beta: from == c0 ? 0 : 1, c: output + first * d, ldc: d)
        from = end
      }
    }
    for r in 0..<rows {
      logSumExp[r] = Self.normalize(output + r * d, count: d, max: rowMax[r], sum: rowSum[r])
    }
  }

  /// Turns a row of raw scores into softmax numerators, in place.
  ///
  /// Soft-caps the visible scores, takes their maximum `m`, writes
  /// `exp(s − m)` over `visible` and 0 elsewhere, and returns `m` and the sum
  /// of the numerators. With nothing visible the row is all 0 and the result
  /// is `(−∞, 0)`. A NaN score leaves `m` untouched but turns its numerator,
  /// and so the sum, into NaN.
  ///
  /// Every step is the library's own code (``PortableElementaryFunctions``,
  /// ``VectorExp``) in a fixed order, so the golden path shares it.
  ///
  /// - Complexity: O(count).
  static func softmaxNumerators(
    _ row: UnsafeMutablePointer<Scalar>, count n: Int, visible: Range<Int>, softCap: Scalar?
  ) -> (max: Scalar, sum: Scalar) {
    let a = visible.lowerBound
    let b = visible.upperBound
    guard a < b else {
      row.update(repeating: 0, count: n)
      return (-.infinity, 0)
    }
    if let cap = softCap {
      for c in a..<b { row[c] = cap * Scalar.portableTanh(row[c] / cap) }
    }
    let m = Scalar.maximum(row + a, count: b - a)
    if a > 0 { row.update(repeating: 0, count: a) }
    if b < n { (row + b).update(repeating: 0, count: n - b) }
    return (m, Scalar.expSubtracting(m, row + a, count: b - a))
  }

  /// Divides an output row by its softmax sum and returns its LSE, `max + log sum`.
  ///
  /// A row with sum 0 (nothing visible) becomes 0 with LSE −∞.
  ///
  /// - Complexity: O(count).
  static func normalize(
    _ o: UnsafeMutablePointer<Scalar>, count d: Int, max m: Scalar, sum l: Scalar
  )
    -> Scalar
  {
    guard l != 0 else {
      o.update(repeating: 0, count: d)
      return -.infinity
    }
    for e in 0..<d { o[e] /= l }
    return m + Scalar.portableLog(l)
  }
}
