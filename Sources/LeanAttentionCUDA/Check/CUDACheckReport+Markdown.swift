import Foundation

extension CUDACheckReport {
  /// The report as Markdown: the runs' table (``markdownTable(runs:)``)
  /// and, when there are invariant-mode cases, a heading line and their table (``markdownTable(invariantRuns:)``).
  public var markdown: String {
    var table = Self.markdownTable(runs: runs)
    if !invariantRuns.isEmpty {
      table +=
        "\n\nInvariant mode (canonical tree):\n\n"
        + Self.markdownTable(invariantRuns: invariantRuns)
    }
    return table
  }

  /// One Markdown row per dtype and partitioner (sorted by `dtype|partitioner`):
  /// runs, head dims and SM counts met, the largest split count, the largest
  /// `|ΔO|` and `|ΔO|`/threshold, the largest partial `|Δ|` (`–` when none),
  /// whether every run repeated bitwise, and how many failed.
  ///
  /// Numbers are `%.2e`, ratios `%.2f`; a run with threshold 0 counts ratio 0.
  /// No runs gives the header alone.
  ///
  /// - Complexity: O(runs · groups).
  public static func markdownTable(runs: [CUDACheckRun]) -> String {
    var lines = [
      "| dtype | partitioner | runs | head dims | SM counts | max splits | max \\|ΔO\\| | max \\|ΔO\\| / threshold | max partial \\|Δ\\| | bitwise repeat | failed |",
      "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    let keys = Set(runs.map { "\($0.dtype)|\($0.partitioner)" }).sorted()
    for key in keys {
      let group = runs.filter { "\($0.dtype)|\($0.partitioner)" == key }
      let parts = key.split(separator: "|")
      let ratio = group.map { $0.threshold > 0 ? $0.maxError / $0.threshold : 0 }.max() ?? 0
      let partial = group.compactMap(\.partialError).max()
      lines.append(
        "| \(parts[0]) | \(parts[1]) | \(group.count) | \(Set(group.map(\.headDim)).sorted().map(String.init).joined(separator: ", ")) | \(Set(group.map(\.sms)).sorted().map(String.init).joined(separator: ", ")) | \(group.map(\.splits).max() ?? 0) | \(String(format: "%.2e", group.map(\.maxError).max() ?? 0)) | \(String(format: "%.2f", ratio)) | \(partial.map { String(format: "%.2e", $0) } ?? "–") | \(group.allSatisfy(\.bitwise) ? "yes" : "NO") | \(group.filter { !$0.failures.isEmpty }.count) |"
      )
    }
    return lines.joined(separator: "\n")
  }

  /// One Markdown row per invariant-mode case, in order: schedules, bit
  /// patterns in both modes, `|ΔO|` against the CPU tree and its ratio to
  /// the threshold, `|ΔLSE|`, the node states' `|Δo|` (`–` when none), and
  /// `pass` or `FAIL`.
  ///
  /// - Complexity: O(runs).
  public static func markdownTable(invariantRuns runs: [CUDAInvariantRun]) -> String {
    var lines = [
      "| case | dtype | D | schedules | bit patterns (invariant) | bit patterns (normal) | max \\|ΔO\\| vs CPU tree | / threshold | max \\|ΔLSE\\| | max node \\|Δo\\| | result |",
      "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs {
      let ratio = r.threshold > 0 ? r.maxError / r.threshold : 0
      lines.append(
        "| \(r.name) | \(r.dtype) | \(r.headDim) | \(r.schedules) | \(r.treePatterns) | \(r.normalPatterns) | \(String(format: "%.2e", r.maxError)) | \(String(format: "%.2f", ratio)) | \(String(format: "%.2e", r.maxLogSumExpError)) | \(r.nodeError.map { String(format: "%.2e", $0) } ?? "–") | \(r.failures.isEmpty ? "pass" : "FAIL") |"
      )
    }
    return lines.joined(separator: "\n")
  }
}
