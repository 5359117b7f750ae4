import LeanAttention
import SafeTensors

extension GoldenFile {
  /// Throws unless every floating-point value the file holds is finite, except
  /// the documented `LSE = −∞` of a fully masked row or an empty split.
  ///
  /// A NaN in an input or in the golden output would make every comparison
  /// with it false, and a threshold derived from it NaN, so that a wrong
  /// candidate could pass; a golden file with one is rejected instead.
  ///
  /// - `lse` and `lse_f32` may be −∞ only on rows the mask leaves empty.
  /// - `partial_lse` may be −∞ anywhere (a split with no visible key).
  /// - Every other floating-point tensor must be finite everywhere.
  ///
  /// - Throws: ``GoldenError/nonFinite(tensor:index:value:)``.
  /// - Complexity: O(elements of the file).
  public func checkFinite() throws(GoldenError) {
    typealias T = GoldenFormat.Tensor
    let emptyRows = Self.fullyMaskedRows(problem)
    for e in file.tensors where e.dtype.isFloatingPoint {
      let values: [Double]
      do { values = try file.doubles(e.name) } catch { throw .file(error) }
      let mayBeEmptyRow = e.name == T.logSumExp || e.name == T.logSumExp32
      let mayBeEmptySplit = e.name == T.partialLogSumExp
      for (i, x) in values.enumerated() where !x.isFinite {
        if x == -.infinity {
          if mayBeEmptySplit { continue }
          if mayBeEmptyRow, i < emptyRows.count, emptyRows[i] { continue }
        }
        throw .nonFinite(tensor: e.name, index: i, value: x)
      }
    }
  }

  /// Whether each `[totalQ, Hq]` row of `problem` sees no key.
  ///
  /// - Complexity: O(total query tokens · Hq).
  static func fullyMaskedRows(_ p: AttentionProblem) -> [Bool] {
    var rows: [Bool] = []
    rows.reserveCapacity(p.totalQueryTokens * p.queryHeads)
    for b in 0..<p.batchSize {
      for i in 0..<p.requests[b].queryLength {
        let empty = p.visibleKeys(request: b, query: i).isEmpty
        rows.append(contentsOf: repeatElement(empty, count: p.queryHeads))
      }
    }
    return rows
  }
}
