import Foundation
import LeanAttention
import LeanAttentionGolden
import SafeTensors

/// libFuzzer entry for golden-file metadata. The first byte picks the entry
/// (`case`, `partials`, `sha256`); the rest is its JSON text.
/// (Also exported under libFuzzer's name, for `-fsanitize=fuzzer` builds with its own main.)
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
  guard count >= 1 else { return 0 }
  let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
  let text = Array(bytes.dropFirst())
  switch bytes[0] % 3 {
  case 0:
    // `case`: a description, then the sizes consumers derive from it.
    guard let json = try? JSONValue.parse(text), let d = try? CaseDescription(json: json)
    else { return 0 }
    let p = d.problem
    _ = p.tensorBytes(elementBytes: 8)
    _ = try? ScheduleLimits.check(p, blockN: 64)
    _ = d.json.serialized
  case 1:
    // `partials`: JSON the golden reader parses and looks fields up in.
    guard let json = try? JSONValue.parse(text) else { return 0 }
    _ = json["partitioner"]?.stringValue
    _ = json["sm_count"]?.intValue
    _ = json["pieces"]?.arrayValue?.count
  default:
    // `sha256`: checked against a one-tensor file.
    var w = SafeTensorsWriter()
    _ = try? w.add("a", shape: [2], values: [Float(1), 2])
    w.metadata["sha256"] = String(decoding: text, as: UTF8.self)
    guard let f = try? SafeTensorsFile(bytes: Data(w.serialized())) else { return 0 }
    _ = try? GoldenFile.verifyChecksums(f)
  }
  return 0
}
