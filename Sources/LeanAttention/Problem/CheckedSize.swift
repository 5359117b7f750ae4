/// Overflow-reporting sums and products for sizes that come from users.
///
/// Every count, length and product derived from a flag, a file's metadata or
/// JSON goes through these before anything is allocated, so that an absurd
/// size is a typed error instead of a trap.
public enum CheckedSize {
  /// The product of `factors`, or `nil` when it overflows `Int` or a factor is negative.
  ///
  /// - Complexity: O(factors).
  public static func product(_ factors: [Int]) -> Int? {
    var p = 1
    for f in factors {
      guard f >= 0 else { return nil }
      let (r, o) = p.multipliedReportingOverflow(by: f)
      if o { return nil }
      p = r
    }
    return p
  }

  /// The sum of `terms`, or `nil` when it overflows `Int`.
  ///
  /// - Complexity: O(terms).
  public static func sum(_ terms: [Int]) -> Int? {
    var s = 0
    for t in terms {
      let (r, o) = s.addingReportingOverflow(t)
      if o { return nil }
      s = r
    }
    return s
  }

  /// `value` in words for an error message: the number, or "more than Int.max" for `nil`.
  public static func describe(_ value: Int?) -> String {
    value.map { "\($0)" } ?? "more than \(Int.max) (Int.max)"
  }
}
