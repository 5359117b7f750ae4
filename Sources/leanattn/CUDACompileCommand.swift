import ArgumentParser
import Foundation
import LeanAttentionCUDA

struct CUDACompileCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cuda-compile",
    abstract:
      "Compile every CUDA kernel with NVRTC (no GPU needed); print registers, shared memory, spills.",
    discussion: """
      NVRTC is searched as LibrarySearch documents; LEANATTN_NVRTC names it explicitly. \
      LEANATTN_KERNEL_SOURCE compiles that CUDA C file instead of the built-in kernels.
      """)

  @Option(help: "Comma-separated architectures.") var arch = "sm_80,sm_90"

  func run() throws {
    let nvrtc = try NVRTC()
    print("NVRTC \(nvrtc.version.major).\(nvrtc.version.minor) from \(nvrtc.path)")
    // Always compile: a cached image would hide a kernel that no longer compiles.
    var environment = ProcessInfo.processInfo.environment
    environment["LEANATTN_CACHE"] = ""
    let compiler = KernelCompiler(nvrtc: nvrtc, environment: environment)
    if let path = compiler.sourcePath { print("kernel source: \(path)") }
    var failed = false
    for a in arch.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
      do {
        let image = try compiler.image(arch: a)
        print("\n\(a): \(image.cubin.count) bytes of CUBIN")
        print("  kernel                      regs  smem  spill-st  spill-ld  stack")
        for k in image.kernels {
          print(
            "  " + k.name.padding(toLength: 26, withPad: " ", startingAt: 0)
              + String(
                format: " %5d %5d %9d %9d %6d", k.registers, k.sharedMemoryBytes, k.spillStoreBytes,
                k.spillLoadBytes, k.stackBytes))
        }
        let missing = Set(KernelCompiler.kernelNames).subtracting(image.kernels.map(\.name))
        if !missing.isEmpty {
          print("  missing kernels: \(missing.sorted())")
          failed = true
        }
      } catch {
        print("\(a): \(error)")
        failed = true
      }
    }
    if failed { throw CommandLineError.input("a kernel did not compile (see above)") }
  }
}
