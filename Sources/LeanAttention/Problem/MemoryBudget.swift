import Foundation

/// The most memory a command may plan to use, checked before it allocates.
///
/// The default is three quarters of the machine's physical memory; the
/// environment variable `LEANATTN_MEMORY_BUDGET` overrides it with a byte
/// count, optionally suffixed `K`, `M`, `G` or `T` (powers of 1024).
public struct MemoryBudget: Hashable, Sendable {
  /// The budget in bytes.
  public var bytes: Int

  /// A budget of `bytes` bytes.
  public init(bytes: Int) { self.bytes = bytes }

  /// The budget from `LEANATTN_MEMORY_BUDGET`, else ¾ of physical memory.
  ///
  /// - Throws: ``AttentionError/invalidParameter(name:value:allowed:)`` for an unreadable value.
  public static func standard(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws(AttentionError) -> MemoryBudget {
    if let text = environment["LEANATTN_MEMORY_BUDGET"] {
      guard let b = parse(text) else {
        throw .invalidParameter(
          name: "LEANATTN_MEMORY_BUDGET", value: text,
          allowed: "a positive byte count, optionally with K, M, G or T (e.g. 16G)")
      }
      return MemoryBudget(bytes: b)
    }
    let physical = ProcessInfo.processInfo.physicalMemory
    return MemoryBudget(bytes: Int(clamping: physical / 4 * 3))
  }

  /// `"16G"` → 16·2³⁰; `nil` for anything else than a positive count that fits `Int`.
  static func parse(_ text: String) -> Int? {
    var digits = text.trimmingCharacters(in: .whitespaces)
    var scale = 1
    if let last = digits.last, let i = "KMGT".firstIndex(of: Character(last.uppercased())) {
      scale = 1 << (10 * ("KMGT".distance(from: "KMGT".startIndex, to: i) + 1))
      digits.removeLast()
    }
    guard let n = Int(digits), n > 0 else { return nil }
    return CheckedSize.product([n, scale])
  }

  /// Throws unless `bytes` (`nil`: more than `Int.max`) fits the budget.
  ///
  /// - Throws: ``AttentionError/sizeLimitExceeded(what:size:limit:)``.
  public func check(_ what: String, bytes needed: Int?) throws(AttentionError) {
    guard let n = needed, n <= bytes else {
      throw .sizeLimitExceeded(
        what: what, size: needed.map { "\($0) bytes" } ?? "more than Int.max bytes",
        limit: "the memory budget of \(bytes) bytes (set LEANATTN_MEMORY_BUDGET to change it)")
    }
  }
}
