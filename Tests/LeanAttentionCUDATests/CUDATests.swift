import Foundation
import LeanAttention
import LeanAttentionCUDA
import LeanAttentionGolden
import TestSupport
import Testing

/// Whether this machine has a CUDA driver with a device (CI has none).
let hasGPU: Bool = {
  guard let driver = try? CUDADriver() else { return false }
  return (try? CUDADevice(driver: driver)) != nil
}()

/// Whether NVRTC can be found the documented way (the venv wheel in CI).
let hasNVRTC: Bool = (try? NVRTC()) != nil

@Suite("CUDA loader and upload (no GPU needed)")
struct CUDALoaderTests {
  @Test func missingDriverIsATypedError() {
    do {
      _ = try CUDADriver(names: ["libcuda-does-not-exist.so.1"])
      Issue.record("expected an error")
    } catch {
      guard case .driverNotFound(let tried, _) = error else {
        Issue.record("unexpected \(error)")
        return
      }
      #expect(tried == ["libcuda-does-not-exist.so.1"])
      #expect(error.description.contains("no CUDA driver on this machine"))
      #expect(error.isMissingGPU)
    }
  }

  @Test func missingNVRTCNamesTheVariable() {
    do {
      _ = try NVRTC(candidates: ["/nonexistent/libnvrtc.so"])
      Issue.record("expected an error")
    } catch {
      #expect(error == .nvrtcNotFound(tried: ["/nonexistent/libnvrtc.so"]))
      #expect(error.description.contains("set LEANATTN_NVRTC"))
    }
  }

  @Test func explicitNVRTCPathIsTheOnlyCandidate() {
    let c = LibrarySearch.nvrtcCandidates(environment: ["LEANATTN_NVRTC": "/x/libnvrtc.so.42"])
    #expect(c == ["/x/libnvrtc.so.42"])
  }

  @Test func searchOrderIsLoaderThenInstallsThenWheels() throws {
    // A fake CUDA install and a fake venv wheel in a temporary folder.
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("nvrtc-\(UUID())").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    let install = "\(root)/cuda/lib64"
    let wheel = "\(root)/venv/lib/python3.11/site-packages/nvidia/cu13/lib"
    for folder in [install, wheel] {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }
    for file in [
      "\(install)/libnvrtc.so.13", "\(install)/libnvrtc-builtins.so.13", "\(wheel)/libnvrtc.so.13",
    ] {
      #expect(FileManager.default.createFile(atPath: file, contents: Data()))
    }
    let c = LibrarySearch.nvrtcCandidates(
      environment: ["CUDA_HOME": "\(root)/cuda", "VIRTUAL_ENV": "\(root)/venv"],
      currentDirectory: root)
    #expect(Array(c.prefix(3)) == ["libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12"])
    let i = try #require(c.firstIndex(of: "\(install)/libnvrtc.so.13"))
    let w = try #require(c.firstIndex(of: "\(wheel)/libnvrtc.so.13"))
    #expect(i < w)
    #expect(!c.contains { $0.contains("builtins") })
  }

  /// Upload then read back: every segment survives, and the split indices are
  /// each piece's rank in its output's KV order (computed here from scratch).
  @Test func scheduleUploadRoundTrips() throws {
    let problem = try AttentionProblem(
      requests: [1, 700, 0, 3000, 129].map { RequestShape(queryLength: 1, kvLength: $0) },
      queryHeads: 16, kvHeads: 2, headDim: 128, mask: .causal())
    for kind in PartitionerKind.allCases {
      for sms in [1, 7, 108, 257] {
        let schedule = try kind.make().schedule(problem, on: try DeviceModel(smCount: sms))
        let upload = try ScheduleUpload(schedule, problem: problem)
        let expected = schedule.ctas.map { $0.filter { !$0.blocks.isEmpty } }
        #expect(upload.ctas == expected, "\(kind) \(sms)")
        let flat = expected.flatMap { $0 }
        for (segment, split) in zip(flat, upload.splits) {
          let earlier = flat.filter {
            $0.output == segment.output && $0.blocks.lowerBound < segment.blocks.lowerBound
          }
          #expect(split == earlier.count)
        }
        for (i, tile) in schedule.outputs.enumerated() {
          #expect(Int(upload.outputs[3 * i + 2]) == tile.queryRow(0, in: problem))
          #expect(Int(upload.pieceCounts[i]) == flat.filter { $0.output == i }.count)
        }
        #expect(upload.maxSplits == max(1, upload.pieceCounts.map(Int.init).max() ?? 1))
      }
    }
  }

  @Test func uploadRejectsWhatTheKernelsCannotRun() throws {
    let prefill = try AttentionProblem(
      requests: [RequestShape(queryLength: 4, kvLength: 10)], queryHeads: 2, kvHeads: 2, headDim: 64
    )
    let s = try PerHeadPartitioner().schedule(prefill, on: .h100)
    #expect(throws: CUDAError.self) { try ScheduleUpload(s, problem: prefill) }
    #expect(CUDAExecutor.unsupportedReason(prefill) == "not decode")
  }

  @Test func ptxasReportIsParsed() throws {
    let log = """
      ptxas info    : Compiling entry function 'la_x' for 'sm_90'
      ptxas info    : Function properties for la_x
      ptxas         .     8 bytes stack frame, 12 bytes spill stores, 16 bytes spill loads
      ptxas info    : Used 48 registers, used 1 barriers, 1024 bytes smem
      """
    let k = try #require(KernelCompiler.parse(log).first)
    #expect(k.name == "la_x")
    #expect(k.registers == 48 && k.sharedMemoryBytes == 1024)
    #expect(k.spillStoreBytes == 12 && k.spillLoadBytes == 16 && k.stackBytes == 8)
  }

  @Test(.enabled(if: hasNVRTC, "NVRTC not found (install nvidia-cuda-nvrtc into .venv)"))
  func kernelsCompileWithNVRTC() throws {
    let compiler = KernelCompiler(nvrtc: try NVRTC(), environment: ["LEANATTN_CACHE": ""])
    let image = try compiler.image(arch: "sm_90")
    #expect(!image.cubin.isEmpty)
    #expect(Set(image.kernels.map(\.name)) == Set(KernelCompiler.kernelNames))
  }

  /// `LEANATTN_KERNEL_SOURCE` compiles the named file instead of the built-in
  /// kernels: a one-kernel file yields an image of that one kernel; an
  /// unreadable path is a typed error naming it; an empty value is no override.
  @Test(.enabled(if: hasNVRTC, "NVRTC not found (install nvidia-cuda-nvrtc into .venv)"))
  func kernelSourceOverride() throws {
    let nvrtc = try NVRTC()
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("leanattn-source-\(UInt64.random(in: 0...UInt64.max))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("variant.cu")
    let text = "extern \"C\" __global__ void la_variant_marker(int* x) { x[0] = 1; }\n"
    try text.write(to: file, atomically: true, encoding: .utf8)

    let variant = KernelCompiler(
      nvrtc: nvrtc, environment: ["LEANATTN_CACHE": "", "LEANATTN_KERNEL_SOURCE": file.path])
    #expect(variant.sourcePath == file.path)
    #expect(try variant.compiledSource() == text)
    #expect(try variant.image(arch: "sm_80").kernels.map(\.name) == ["la_variant_marker"])

    let missing = folder.appendingPathComponent("absent.cu").path
    let broken = KernelCompiler(
      nvrtc: nvrtc, environment: ["LEANATTN_CACHE": "", "LEANATTN_KERNEL_SOURCE": missing])
    #expect(throws: CUDAError.kernelSource(path: missing)) { try broken.image(arch: "sm_80") }
    #expect("\(CUDAError.kernelSource(path: missing))".contains(missing))

    let plain = KernelCompiler(
      nvrtc: nvrtc, environment: ["LEANATTN_CACHE": "", "LEANATTN_KERNEL_SOURCE": ""])
    #expect(plain.sourcePath == nil)
    #expect(try plain.compiledSource() == KernelCompiler.source)
  }

  @Test(
    .enabled(
      if: hasGPU, "no CUDA driver or device on this machine; run `leanattn cuda-check` on a GPU"))
  func leanScheduleRunsOnTheGPU() throws {
    let device = try CUDADevice(driver: try CUDADriver())
    let compiler = KernelCompiler(nvrtc: try NVRTC())
    let executor = try CUDAExecutor(device: device, image: try compiler.image(arch: device.arch))
    let golden = try GoldenFile(
      contentsOf: fixturesFolder.appendingPathComponent("decode-gqa.safetensors").path)
    let schedule = try LeanPartitioner().schedule(golden.problem, on: .h100)
    let r = try executor.run(schedule, on: try golden.inputs(as: BFloat16.self))
    let o = r.outputBits.map { Double(BFloat16(bitPattern: $0).float) }
    let verdict = try Comparison.judge(
      golden: golden, output: o, dtype: .bf16, logSumExp: r.logSumExp.map(Double.init))
    #expect(verdict.passed, "\(verdict.failures)")
  }

  /// The invariant mode gives one bit pattern for every partitioner and SM
  /// count, and passes the golden rule against the exact output.
  @Test(
    .enabled(
      if: hasGPU, "no CUDA driver or device on this machine; run `leanattn cuda-check` on a GPU"))
  func invariantModeIsTheSameBitsUnderEverySchedule() throws {
    let device = try CUDADevice(driver: try CUDADriver())
    let compiler = KernelCompiler(nvrtc: try NVRTC())
    let executor = try CUDAExecutor(device: device, image: try compiler.image(arch: device.arch))
    let golden = try GoldenFile(
      contentsOf: fixturesFolder.appendingPathComponent("decode-gqa.safetensors").path)
    let x = try golden.inputs(as: BFloat16.self)
    var first: CUDAExecutor.Result?
    for kind in PartitionerKind.allCases {
      for sms in [1, 7, 132] {
        let schedule = try kind.make(blockN: 128).schedule(
          golden.problem, on: try DeviceModel(smCount: sms))
        let r = try executor.run(schedule, on: x, order: .canonicalTree)
        if let first {
          #expect(r.sameOutputBits(as: first), "\(kind) on \(sms) SMs")
        } else {
          first = r
          let o = r.outputBits.map { Double(BFloat16(bitPattern: $0).float) }
          let verdict = try Comparison.judge(
            golden: golden, output: o, dtype: .bf16, logSumExp: r.logSumExp.map(Double.init))
          #expect(verdict.passed, "\(verdict.failures)")
        }
      }
    }
  }
}
