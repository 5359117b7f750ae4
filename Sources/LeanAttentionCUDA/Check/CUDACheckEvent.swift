/// What ``CUDACheck/run(on:progress:)`` reports as the check goes, one event
/// per finished piece of work, in the order they finish.
public enum CUDACheckEvent: Sendable {
  /// A fixture or random run was judged.
  case run(CUDACheckRun)
  /// The missing-peer check ended: `nil` when it passed, else why it failed.
  case missingPeerCheck(failure: String?)
  /// The user-defined partitioner check ended: `nil` when it passed, else why it failed.
  case userPartitionerCheck(failure: String?)
  /// One case of the invariant mode was judged.
  case invariantRun(CUDAInvariantRun)
}
