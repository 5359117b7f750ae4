import Foundation

/// The committed golden corpus, `Fixtures/` at the package root.
public let fixturesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
