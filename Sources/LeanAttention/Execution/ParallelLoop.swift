import Dispatch
import Foundation
import Synchronization

/// Runs independent work items on all cores, each worker with its own state.
///
/// Items are handed out dynamically, but every item is computed the same way
/// whichever worker takes it, so results never depend on thread timing.
package enum ParallelLoop {
  /// The number of workers: the active processor count.
  package static var defaultWorkers: Int {
    Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
  }

  /// Calls `body(&state, item)` once for every item in `0..<count`.
  ///
  /// - Parameters:
  ///   - makeState: creates one worker's reusable state (scratch buffers).
  package static func run<State>(
    count: Int, workers: Int = defaultWorkers,
    makeState: @escaping () -> State,
    body: @escaping (inout State, Int) -> Void
  ) {
    guard count > 0 else { return }
    let workers = Swift.min(workers, count)
    if workers == 1 {
      var state = makeState()
      for i in 0..<count { body(&state, i) }
      return
    }
    let next = ItemCounter()
    // The closures only read shared inputs and write disjoint outputs.
    let shared = UncheckedSendable((makeState, body))
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
      var state = shared.value.0()
      while true {
        let i = next.take()
        if i >= count { break }
        shared.value.1(&state, i)
      }
    }
  }
}

/// Hands out item indices to workers, each once.
final class ItemCounter: Sendable {
  private let next = Atomic<Int>(0)
  func take() -> Int { next.wrappingAdd(1, ordering: .relaxed).oldValue }
}

/// A value (closures, pointers to disjoint output ranges) handed to worker
/// threads whose safety the caller has checked.
package struct UncheckedSendable<Value>: @unchecked Sendable {
  package let value: Value
  package init(_ value: Value) { self.value = value }
}
