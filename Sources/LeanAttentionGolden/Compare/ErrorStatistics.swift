/// Absolute and relative error of a candidate tensor against a reference.
public struct ErrorStatistics: Hashable, Sendable {
  /// Elements compared.
  public var count = 0
  /// `max |c − g|` over elements where both are finite.
  public var maxAbs = 0.0
  /// Mean `|c − g|` over the same elements.
  public var meanAbs = 0.0
  /// `max |c − g| / |g|` over elements with `g ≠ 0`.
  public var maxRel = 0.0
  /// Mean `|c − g| / |g|` over the same elements.
  public var meanRel = 0.0
  /// The flat index of the element with the largest absolute error (or the first NaN).
  public var worstIndex: Int?
  /// NaNs in the candidate where the reference is not NaN.
  public var nanCount = 0
  /// Infinities in the candidate where the reference is finite.
  public var infCount = 0

  /// Compares `candidate` with `reference`, skipping positions where `skip` is true.
  ///
  /// A position where both hold the same infinity counts as exact.
  ///
  /// - Precondition: equal lengths (callers check shapes first).
  /// - Complexity: O(n).
  public init(candidate: [Double], reference: [Double], skip: (Int) -> Bool = { _ in false }) {
    var sumAbs = 0.0
    var sumRel = 0.0
    var relCount = 0
    for i in 0..<min(candidate.count, reference.count) where !skip(i) {
      let c = candidate[i]
      let g = reference[i]
      count += 1
      if c.isNaN {
        if !g.isNaN {
          nanCount += 1
          if worstIndex == nil || !(maxAbs.isNaN) { worstIndex = i }
          maxAbs = .nan
        }
        continue
      }
      if c.isInfinite || g.isInfinite {
        if c != g {
          infCount += 1
          if !maxAbs.isNaN {
            maxAbs = .infinity
            worstIndex = i
          }
        }
        continue
      }
      let e = abs(c - g)
      if !maxAbs.isNaN, e > maxAbs || worstIndex == nil {
        maxAbs = e
        worstIndex = i
      }
      sumAbs += e
      if g != 0 {
        let r = e / abs(g)
        maxRel = max(maxRel, r)
        sumRel += r
        relCount += 1
      }
    }
    meanAbs = count == 0 ? 0 : sumAbs / Double(count)
    meanRel = relCount == 0 ? 0 : sumRel / Double(relCount)
  }
}
