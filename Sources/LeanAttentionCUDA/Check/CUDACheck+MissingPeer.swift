import Foundation
import LeanAttention
import LeanAttentionGolden

extension CUDACheck {
  /// Runs a lean schedule with one peer claimed that no CTA runs (host wait
  /// 200 ms) and then the same schedule intact.
  ///
  /// The case: one causal decode request of 4000 KV tokens, 8 heads, D 128,
  /// F16 inputs of seed 3, lean on the H100 model.
  ///
  /// - Returns: `nil` when the broken launch reports
  ///   ``CUDAError/peerNeverArrived(waitMilliseconds:)`` within 10 s and the
  ///   correct launch afterwards succeeds; else why it failed.
  /// - Throws: any other ``CUDAError`` of the launches.
  public static func missingPeerCheck(_ executor: CUDAExecutor) throws -> String? {
    let problem = try AttentionProblem(
      requests: [RequestShape(queryLength: 1, kvLength: 4000)], queryHeads: 8, kvHeads: 8,
      headDim: 128, mask: .causal())
    let inputs = SeededInputs.contiguous(problem, seed: 3, as: Float16.self)
    let schedule = try LeanPartitioner().schedule(problem, on: .h100)
    let start = Date()
    do {
      _ = try executor.runWithMissingPeer(schedule, on: inputs, waitNanoseconds: 200_000_000)
      return "the launch finished without reporting the missing peer"
    } catch CUDAError.peerNeverArrived {
      let seconds = Date().timeIntervalSince(start)
      if seconds > 10 { return "reported after \(seconds) s" }
    }
    _ = try executor.run(schedule, on: inputs)
    return nil
  }
}
