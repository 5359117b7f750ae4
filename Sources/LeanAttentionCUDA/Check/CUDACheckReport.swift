/// Everything a ``CUDACheck`` found: every run and invariant-mode case, the
/// two single checks, and what was skipped.
public struct CUDACheckReport: Hashable, Sendable {
  /// The fixture and random runs, in the order they ran.
  public var runs: [CUDACheckRun]
  /// The invariant-mode cases, in the order they ran.
  public var invariantRuns: [CUDAInvariantRun]
  /// Why the missing-peer check failed; `nil` when it passed.
  public var missingPeerFailure: String?
  /// Why the user-defined partitioner check failed; `nil` when it passed.
  public var userPartitionerFailure: String?
  /// What was not run, and why (unsupported fixtures, schedules that need
  /// more resident CTAs than the GPU holds), in the order met.
  public var skipped: [String]

  /// A report with every field given (by default, an empty one).
  public init(
    runs: [CUDACheckRun] = [], invariantRuns: [CUDAInvariantRun] = [],
    missingPeerFailure: String? = nil, userPartitionerFailure: String? = nil,
    skipped: [String] = []
  ) {
    self.runs = runs
    self.invariantRuns = invariantRuns
    self.missingPeerFailure = missingPeerFailure
    self.userPartitionerFailure = userPartitionerFailure
    self.skipped = skipped
  }

  /// The runs that failed.
  public var failedRuns: [CUDACheckRun] { runs.filter { !$0.passed } }

  /// The invariant-mode cases that failed.
  public var failedInvariantRuns: [CUDAInvariantRun] { invariantRuns.filter { !$0.passed } }

  /// What failed, one phrase per item: the failed-run count, the missing-peer
  /// check, the user-defined partitioner check, then each failed
  /// invariant-mode case (`invariant mode, <name> <dtype> D<d>`); empty when
  /// everything passed.
  public var failures: [String] {
    let failed = failedRuns.count
    var failures = failed == 0 ? [] : ["\(failed) runs failed"]
    if missingPeerFailure != nil { failures.append("the missing-peer check failed") }
    if userPartitionerFailure != nil { failures.append("the user-defined partitioner failed") }
    for r in failedInvariantRuns {
      failures.append("invariant mode, \(r.name) \(r.dtype) D\(r.headDim)")
    }
    return failures
  }

  /// Whether everything passed.
  public var passed: Bool { failures.isEmpty }
}
