/// Attention of a block of query rows over one window of keys, in one fixed
/// order of operations: the same bits on every machine.
///
/// It computes what ``RowBlockAttention`` computes, but with the library's own
/// loops instead of BLAS, whose kernels round differently on every CPU. The
/// order, written down in `Docs/GoldenFiles.md`, is:
///
/// 1. Each query row and key row is widened to `Scalar` (exactly) and padded
///    with zeros to a multiple of 8 elements.
/// 2. A score is `scale · dot(q, k)`, the dot product in eight lanes: lane `l`
///    adds `q[e] · k[e]` for `e = l, l + 8, …` in increasing `e` (each product
///    rounded, then added: no fused multiply-add); the lanes are then added
///    as `((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7))`.
/// 3. Soft-cap, maximum and `exp(s − m)` with their sum are
///    ``RowBlockAttention/softmaxNumerators(_:count:visible:softCap:)``, shared
///    with the BLAS path and made of the library's own functions.
/// 4. `o[e] = Σ_j p_j · v_j[e]` in increasing key order `j`, one rounding per
///    product and per addition, starting from 0.
/// 5. `o[e] / l` and `LSE = m + log l` (``RowBlockAttention/normalize(_:count:max:sum:)``).
///
/// Nothing depends on how the work is divided: the block of rows, the chunks
/// of keys that are widened together and the thread that runs it never change
/// a result, so `FixedOrderAttention` and the schedule executor agree with
/// every row's own computation.
struct FixedOrderBlockAttention<Scalar: BLASScalar> {
  let headDim: Int
  let scale: Scalar
  let softCap: Scalar?
  /// `headDim` rounded up to a multiple of 8.
  let paddedDim: Int
  private var scores: [Scalar] = []
  private var query: [Scalar]
  private var panel: [Scalar]
  private var accumulator: [Scalar]

  /// Keys widened at a time.
  static var chunk: Int { 64 }

  init(headDim: Int, scale: Double, softCap: Double?) {
    self.headDim = headDim
    self.scale = Scalar(scale)
    self.softCap = softCap.map { Scalar($0) }
    paddedDim = (headDim + 7) / 8 * 8
    query = Array(repeating: 0, count: paddedDim)
    panel = Array(repeating: 0, count: Self.chunk * paddedDim)
    accumulator = Array(repeating: 0, count: paddedDim)
  }

  /// Computes normalized outputs and natural-log LSEs for `rows` query rows.
  ///
  /// - Parameters:
  ///   - queries: `rows × D`, leading dimension `D`, already in `Scalar`.
  ///   - kv: where the keys and values of the window lie.
  ///   - columns: the window of key rows.
  ///   - visible: for each row, the keys it may see (clamped to `columns`).
  ///   - output: `rows × D`, leading dimension `D`, written.
  ///   - logSumExp: `rows`, written.
  /// - Complexity: O(rows · |columns| · D).
  mutating func run<Element: StorageScalar>(
    rows: Int, queries: UnsafePointer<Scalar>, kv: KeyValueRows<Element>,
    columns: Range<Int>, visible: UnsafeBufferPointer<Range<Int>>,
    output: UnsafeMutablePointer<Scalar>, logSumExp: UnsafeMutablePointer<Scalar>
  ) {
    let d = headDim
    let n = columns.count
    let c0 = columns.lowerBound
    let p = paddedDim
    if scores.count < rows * n { scores = Array(repeating: 0, count: rows * n) }
    // Padded query rows and running output sums, `paddedDim` apart: the
    // queries are widened once per call, not once per chunk of keys.
    if query.count < rows * p {
      query = Array(repeating: 0, count: rows * p)
      accumulator = query
    }
    var scores = self.scores
    var query = self.query
    var panel = self.panel
    var accumulator = self.accumulator
    self.scores = []
    defer {
      self.scores = scores
      self.query = query
      self.panel = panel
      self.accumulator = accumulator
    }
    scores.withUnsafeMutableBufferPointer { sBuf in
      query.withUnsafeMutableBufferPointer { qBuf in
        panel.withUnsafeMutableBufferPointer { pBuf in
          accumulator.withUnsafeMutableBufferPointer { aBuf in
            let s = sBuf.baseAddress!
            let q = qBuf.baseAddress!
            let k = pBuf.baseAddress!
            let acc = aBuf.baseAddress!
            let windows = (0..<rows).map { r -> Range<Int> in
              let v = visible[r].clamped(to: columns)
              return (v.lowerBound - c0)..<(v.upperBound - c0)
            }
            // Pass 1: scores, a chunk of widened keys at a time.
            for r in 0..<rows { Self.widen(queries + r * d, count: d, into: q + r * p, padded: p) }
            for start in stride(from: 0, to: n, by: Self.chunk) {
              let keys = start..<Swift.min(start + Self.chunk, n)
              widen(kv.keys, kv, keys, c0, into: k)
              for r in 0..<rows {
                for j in windows[r].clamped(to: keys) {
                  s[r * n + j] = scale * Self.dot(q + r * p, k + (j - start) * p, p)
                }
              }
            }
            // Pass 2: softmax numerators per row.
            var maxima = [Scalar](repeating: 0, count: rows)
            var sums = [Scalar](repeating: 0, count: rows)
            for r in 0..<rows {
              (maxima[r], sums[r]) = RowBlockAttention<Scalar>.softmaxNumerators(
                s + r * n, count: n, visible: windows[r], softCap: softCap)
            }
            // Pass 3: o = Σ p_j v_j in key order, a chunk of widened values at a time.
            acc.update(repeating: 0, count: rows * p)
            for start in stride(from: 0, to: n, by: Self.chunk) {
              let keys = start..<Swift.min(start + Self.chunk, n)
              widen(kv.values, kv, keys, c0, into: k)
              for r in 0..<rows {
                let w = windows[r].clamped(to: keys)
                if w.isEmpty { continue }
                Self.accumulate(
                  weights: s + r * n + w.lowerBound, rows: k + (w.lowerBound - start) * p,
                  count: w.count, dimension: p, into: acc + r * p)
              }
            }
            for r in 0..<rows {
              (output + r * d).update(from: acc + r * p, count: d)
              logSumExp[r] = RowBlockAttention<Scalar>.normalize(
                output + r * d, count: d, max: maxima[r], sum: sums[r])
            }
          }
        }
      }
    }
  }

  /// Widens rows `keys` (relative to `c0`) of `storage` into `panel`, `paddedDim` apart.
  private func widen<Element: StorageScalar>(
    _ storage: UnsafePointer<Element>, _ kv: KeyValueRows<Element>, _ keys: Range<Int>, _ c0: Int,
    into panel: UnsafeMutablePointer<Scalar>
  ) {
    for j in keys {
      Self.widen(
        storage + kv.offset(c0 + j), count: headDim,
        into: panel + (j - keys.lowerBound) * paddedDim,
        padded: paddedDim)
    }
  }

  /// Copies `count` elements to `destination` as `Scalar` (exactly) and zeros it up to `padded`.
  @inline(__always)
  static func widen<Element: StorageScalar>(
    _ source: UnsafePointer<Element>, count: Int, into destination: UnsafeMutablePointer<Scalar>,
    padded: Int
  ) {
    if Element.self == Scalar.self {
      source.withMemoryRebound(to: Scalar.self, capacity: count) {
        destination.update(from: $0, count: count)
      }
    } else if Element.self == Float16.self {
      // Swift's Float16 → Float goes through a library call on x86-64
      // without F16C; a table of all 65 536 values is exact and faster.
      source.withMemoryRebound(to: UInt16.self, capacity: count) { bits in
        let table = Float16Widening.table
        for e in 0..<count { destination[e] = Scalar(table[Int(bits[e])]) }
      }
    } else {
      for e in 0..<count { destination[e] = Scalar(source[e].floatValue) }
    }
    if padded > count { (destination + count).update(repeating: 0, count: padded - count) }
  }

  /// `dot(x, y)` over `count` (a multiple of 8) elements in the fixed lane order.
  @inline(__always)
  static func dot(_ x: UnsafePointer<Scalar>, _ y: UnsafePointer<Scalar>, _ count: Int) -> Scalar {
    var lanes = SIMD8<Scalar>(repeating: 0)
    var e = 0
    while e < count {
      let a = UnsafeRawPointer(x + e).loadUnaligned(as: SIMD8<Scalar>.self)
      let b = UnsafeRawPointer(y + e).loadUnaligned(as: SIMD8<Scalar>.self)
      let product = a * b
      lanes = lanes + product
      e += 8
    }
    let four = lanes.lowHalf + lanes.highHalf  // (l0 + l4, l1 + l5, l2 + l6, l3 + l7)
    let two = four.evenHalf + four.oddHalf  // ((l0 + l4) + (l2 + l6), (l1 + l5) + (l3 + l7))
    return two[0] + two[1]
  }

  /// `acc[e] += w_j · rows_j[e]` for `j` in order, eight elements at a time.
  @inline(__always)
  static func accumulate(
    weights: UnsafePointer<Scalar>, rows: UnsafePointer<Scalar>, count: Int, dimension: Int,
    into acc: UnsafeMutablePointer<Scalar>
  ) {
    var e = 0
    while e < dimension {
      var sum = UnsafeRawPointer(acc + e).loadUnaligned(as: SIMD8<Scalar>.self)
      for j in 0..<count {
        let v = UnsafeRawPointer(rows + j * dimension + e).loadUnaligned(as: SIMD8<Scalar>.self)
        let product = v * weights[j]
        sum = sum + product
      }
      UnsafeMutableRawPointer(acc + e).storeBytes(of: sum, as: SIMD8<Scalar>.self)
      e += 8
    }
  }
}

/// Every `Float16` bit pattern's value as a `Float`.
enum Float16Widening {
  static let table: [Float] = (0...UInt16.max).map { Float(Float16(bitPattern: $0)) }
}
