import Foundation

// libFuzzer's driver, entered from Swift's main: SwiftPM gives every
// executable a `main` of its own, so libFuzzer's is never linked in.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
  _ argc: UnsafeMutablePointer<CInt>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(
  runFuzzerDriver(&argc, &argv) { data, count in
    var empty: UInt8 = 0
    return data.map { fuzz(UnsafeRawPointer($0), count) } ?? fuzz(&empty, 0)
  })
