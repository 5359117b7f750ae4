import FileIntegrity
import Foundation
import Testing

/// The atomic write leaves the old file or the new one, and no temporary file.
@Suite("Atomic file")
struct AtomicFileTests {
  func folder() throws -> String {
    let path = NSTemporaryDirectory() + "atomic-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  @Test func writesReplacesAndLeavesNothingElse() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try AtomicFile.write([1, 2, 3], to: "\(dir)/a.bin")
    try AtomicFile.write([4, 5], to: "\(dir)/a.bin")
    try AtomicFile.write([], to: "\(dir)/empty.bin")
    #expect(FileManager.default.contents(atPath: "\(dir)/a.bin") == Data([4, 5]))
    // Its size, not its contents: Foundation leaks the buffer it reads an empty file into.
    let size = try FileManager.default.attributesOfItem(atPath: "\(dir)/empty.bin")[.size]
    #expect((size as? NSNumber)?.intValue == 0)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["a.bin", "empty.bin"])
  }

  // A temporary name whose process is gone is removed by the next write; one of a live process is kept.
  @Test func staleTemporariesAreRemoved() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // PID 2^22 + 1 is above Linux's pid_max limit (2^22), so no process has it.
    let stale = "\(dir)/.x.safetensors.tmp-4194305-17"
    let live = "\(dir)/.y.safetensors.tmp-\(getpid())-18"
    let other = "\(dir)/.notes.txt"
    for p in [stale, live, other] { FileManager.default.createFile(atPath: p, contents: Data([0])) }
    try AtomicFile.write([9], to: "\(dir)/x.safetensors")
    let names = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
    #expect(names == ["x.safetensors", ".y.safetensors.tmp-\(getpid())-18", ".notes.txt"])
  }

  @Test func outputLocationsRefuseDevicesFoldersAndMissingParents() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(throws: FileIntegrityError.self) { try OutputLocation.checkFile("/dev/null") }
    #expect(throws: FileIntegrityError.self) { try OutputLocation.checkFile(dir) }
    #expect(throws: FileIntegrityError.self) { try OutputLocation.checkFile("\(dir)/no/such/file") }
    #expect(mkfifo("\(dir)/fifo", 0o600) == 0)
    #expect(throws: FileIntegrityError.self) { try OutputLocation.checkFile("\(dir)/fifo") }
    #expect(throws: FileIntegrityError.self) { try OutputLocation.checkFolder("/dev/null/x") }
    #expect(throws: FileIntegrityError.self) { try OutputLocation.checkFolder("\(dir)/fifo") }
    try OutputLocation.checkFile("\(dir)/new.svg")
    try OutputLocation.checkFolder("\(dir)/new/deeper")
  }
}
