import Foundation
import SafeTensors

/// libFuzzer entry: any bytes as a safetensors file. Accepted files must give
/// every tensor's bytes and widened values without trapping.
/// (Also exported under libFuzzer's name, for `-fsanitize=fuzzer` builds with its own main.)
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
  let data = Data(bytes: start, count: count)
  guard let f = try? SafeTensorsFile(bytes: data) else { return 0 }
  for t in f.tensors {
    _ = f.sha256(of: t)
    if t.dtype.isFloatingPoint { _ = try? f.doubles(t.name) }
    precondition(f.contains(t.name) && (try? f.entry(t.name)) == t)
  }
  return 0
}
