import Foundation
import LeanAttention

extension DecodeBenchmark {
  /// The KV lengths of a benchmark's decode requests, in one of the three
  /// forms `leanattn bench cuda` takes them.
  public enum Contexts: Hashable, Sendable {
    /// `batch` requests of `length` KV tokens each.
    case uniform(length: Int, batch: Int)
    /// One request per length, in order.
    case list([Int])
    /// A ragged batch of `requests` requests, the longest `maxLength` tokens,
    /// the mean about `ratio` of the longest (``DecodeBenchmark/raggedLengths(maxLength:ratio:requests:)``).
    case ragged(maxLength: Int, ratio: Double, requests: Int)

    /// The longest KV length a request may have: 2²⁴ tokens.
    public static let maxLength = 1 << 24
    /// The requests a ``uniform(length:batch:)`` batch may have: 1 to 2¹⁶.
    public static let batchRange = 1...(1 << 16)

    /// A ``list(_:)`` from comma-separated integers (`"8192, 512,1"`).
    ///
    /// Spaces around a number are ignored, and so are empty items (`"1,,2"`
    /// is `[1, 2]`).
    ///
    /// - Throws: ``DecodeBenchmarkError/invalidContextList(_:)`` when no
    ///   number is given or an item is not a non-negative integer.
    /// - Complexity: O(`text.count`).
    public init(parsingList text: String) throws(DecodeBenchmarkError) {
      let items = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
      var lengths: [Int] = []
      for item in items {
        guard let n = item, n >= 0 else { throw .invalidContextList(text) }
        lengths.append(n)
      }
      guard !lengths.isEmpty else { throw .invalidContextList(text) }
      self = .list(lengths)
    }

    /// The KV length of every request, in request order.
    ///
    /// - Throws: ``DecodeBenchmarkError/batchOutOfRange(_:)`` for a uniform
    ///   batch outside ``batchRange``, ``DecodeBenchmarkError/invalidContextList(_:)``
    ///   for an empty list, ``DecodeBenchmarkError/contextOutOfRange(_:)`` for
    ///   a length below 0 or above ``maxLength``, and
    ///   ``DecodeBenchmarkError/invalidWorkload(_:)`` for ragged parameters
    ///   ``DecodeBenchmark/raggedLengths(maxLength:ratio:requests:)`` refuses.
    /// - Complexity: O(requests).
    public func lengths() throws(DecodeBenchmarkError) -> [Int] {
      let lengths: [Int]
      switch self {
      case .uniform(let length, let batch):
        guard Self.batchRange.contains(batch) else { throw .batchOutOfRange(batch) }
        lengths = [Int](repeating: length, count: batch)
      case .list(let list):
        guard !list.isEmpty else { throw .invalidContextList("") }
        lengths = list
      case .ragged(let maxLength, let ratio, let requests):
        do {
          lengths = try DecodeBenchmark.raggedLengths(
            maxLength: maxLength, ratio: ratio, requests: requests)
        } catch {
          throw .invalidWorkload(error)
        }
      }
      if let bad = lengths.first(where: { $0 < 0 || $0 > Self.maxLength }) {
        throw .contextOutOfRange(bad)
      }
      return lengths
    }
  }
}
