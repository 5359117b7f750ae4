import ArgumentParser

/// Parsing of `--seed`.
///
/// The option reads its value unconditionally, so `--seed -1` reaches this
/// parser instead of being taken for an unknown flag (which ArgumentParser
/// reports as "Missing value for '--seed <seed>'").
enum SeedArgument {
  /// `text` as a seed in `0...2⁶⁴ − 1`.
  ///
  /// - Throws: `ValidationError` naming the value and the allowed range.
  static func parse(_ text: String) throws -> UInt64 {
    guard let seed = UInt64(text) else {
      throw ValidationError(
        "--seed \(text) is not a seed; allowed: an integer in 0...\(UInt64.max)")
    }
    return seed
  }
}
