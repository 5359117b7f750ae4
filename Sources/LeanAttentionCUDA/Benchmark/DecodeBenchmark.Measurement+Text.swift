import Foundation

extension DecodeBenchmark.Measurement {
  /// The lines of `bench cuda`'s text output for this measurement: the
  /// normal mode, then the invariant mode when it was measured.
  ///
  /// The normal line: verdict, partitioner, grid, splits, median µs (min,
  /// max, calls, K/V sets), GB/s, fraction of copy, multiple of the floor,
  /// `max|ΔO|` and, on a failure, the limit it exceeded. The invariant line:
  /// verdict, median µs (min), ratio to this partitioner's normal mode and to
  /// normal lean, `max|ΔO|`, and whether the bits match the first invariant
  /// output at the same blockN.
  public var textLines: [String] {
    let t = timing
    var lines = [
      String(
        format:
          "%@ %@ grid %4d splits %3d: %9.1f µs (min %.1f, max %.1f, %d calls, %d K/V sets), %7.0f GB/s = %4.2f of copy, %.2f× floor; max|ΔO| %.2e %@",
        passed ? "pass" : "FAIL", partitioner.rawValue, grid, splits, t.medianMicroseconds,
        t.minMicroseconds, t.maxMicroseconds, t.calls, t.keyValueSets, gigabytesPerSecond,
        fractionOfCopy, t.medianMicroseconds / floorMicroseconds, maxAbsError,
        passed ? "" : String(format: "> %.2e", errorLimit))
    ]
    if let tree = invariant {
      lines.append(
        String(
          format:
            "%@ %@ invariant: %9.1f µs (min %.1f) = %.3f× this partitioner's normal mode%@; max|ΔO| %.2e; %@",
          tree.passed ? "pass" : "FAIL", partitioner.rawValue, tree.timing.medianMicroseconds,
          tree.timing.minMicroseconds, tree.ratio,
          tree.ratioToLean.map { String(format: ", %.3f× normal lean", $0) } ?? "",
          tree.maxAbsError,
          tree.bitwise
            ? "same bits as the first invariant output at blockN \(tree.blockN)"
            : "NOT the same bits as the first invariant output at blockN \(tree.blockN)"))
    }
    return lines
  }
}
