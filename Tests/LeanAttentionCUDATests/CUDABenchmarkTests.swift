import Foundation
import LeanAttention
import LeanAttentionCUDA
import TestSupport
import Testing

@Suite("CUDA kernel parameters and benchmark helpers (no GPU needed)")
struct CUDABenchmarkTests {
  /// `struct LaParams` as declared in the kernel source: (type, name) per field.
  static func declaredFields() throws -> [(type: String, name: String)] {
    let source = KernelCompiler.source
    let start = try #require(source.range(of: "struct LaParams {"))
    let end = try #require(source.range(of: "};", range: start.upperBound..<source.endIndex))
    var fields: [(String, String)] = []
    for line in source[start.upperBound..<end.lowerBound].split(separator: "\n") {
      let code = line.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
      guard let semi = code.firstIndex(of: ";") else { continue }
      let words = code[..<semi].split(separator: " ").map(String.init)
      guard let name = words.last, words.count >= 2 else { continue }
      fields.append((words.dropLast().joined(separator: " "), name))
    }
    return fields
  }

  @Test func parameterNamesFollowTheKernelDeclaration() throws {
    #expect(try Self.declaredFields().map(\.name) == KernelParameters.fieldNames)
  }

  /// The C layout computed from the declared types (pointers and `long long`
  /// 8 bytes, `int` and `float` 4, each at a multiple of its size) against the
  /// bytes the executor passes: distinct values must land at those offsets.
  @Test func parameterBytesFollowTheCLayout() throws {
    var offsets: [String: (Int, Int)] = [:]
    var at = 0
    for (type, name) in try Self.declaredFields() {
      let size = type.hasSuffix("*") || type == "long long" ? 8 : 4
      #expect(type.hasSuffix("*") || ["int", "float", "long long"].contains(type), "\(type)")
      at = (at + size - 1) / size * size
      offsets[name] = (at, size)
      at += size
    }
    var p = KernelParameters()
    p.q = 0x1111_2222_3333_4444
    p.flags = 0x0102_0304_0506_0708
    p.kvHeads = 77
    p.epoch = 9
    p.scaleLog2 = 0.5
    p.waitNanoseconds = 0x7_0000_0001
    p.mode = .partialsOnly
    let bytes = p.bytes
    #expect(bytes.count == (at + 7) / 8 * 8)
    func value(_ name: String) throws -> UInt64 {
      let (o, n) = try #require(offsets[name])
      return (0..<n).reduce(UInt64(0)) { $0 | UInt64(bytes[o + $1]) << (8 * UInt64($1)) }
    }
    #expect(try value("q") == 0x1111_2222_3333_4444)
    #expect(try value("flags") == 0x0102_0304_0506_0708)
    #expect(try value("hkv") == 77)
    #expect(try value("epoch") == 9)
    #expect(try value("mode") == 1)
    #expect(try value("scale_log2") == UInt64(Float(0.5).bitPattern))
    #expect(try value("wait_ns") == 0x7_0000_0001)
  }

  /// The benchmark's sampled oracle against the test suite's naive loops, on
  /// a ragged, GQA, paged problem with an empty request.
  @Test func sampledReferenceMatchesNaiveAttention() throws {
    let p = try AttentionProblem(
      requests: [300, 0, 77, 1].map { RequestShape(queryLength: 1, kvLength: $0) },
      queryHeads: 8, kvHeads: 2, headDim: 64, mask: .causal())
    let x = try DecodeBenchmark.uniformInputs(p, pageSize: 16, seed: 5, as: Float16.self)
    let (o, lse) = NaiveAttention.compute(x)
    let rows = DecodeBenchmark.sampledReference(x, count: 13)
    #expect(rows.count == 13)
    #expect(rows.first?.row == 0 && rows.last?.row == p.totalQueryTokens * p.queryHeads - 1)
    for r in rows {
      #expect(r.logSumExp == lse[r.row] || abs(r.logSumExp - lse[r.row]) < 1e-9, "row \(r.row)")
      for e in 0..<p.headDim {
        #expect(abs(r.output[e] - o[r.row * p.headDim + e]) < 1e-9, "row \(r.row) element \(e)")
      }
    }
  }

  @Test func raggedLengthsHaveTheRequestedRatio() throws {
    for n in [8, 32] {
      for ratio in [0.25, 0.5, 0.75, 1.0] {
        let lengths = try DecodeBenchmark.raggedLengths(maxLength: 8192, ratio: ratio, requests: n)
        #expect(lengths.count == n)
        #expect(lengths.max() == 8192)
        #expect(lengths.allSatisfy { $0 >= 1 })
        let mean = Double(lengths.reduce(0, +)) / Double(n)
        #expect(abs(mean / 8192 - ratio) < 0.01, "n \(n) ratio \(ratio): \(mean / 8192)")
      }
    }
    // Below 1/n the short requests bottom out at one token.
    let few = try DecodeBenchmark.raggedLengths(maxLength: 1000, ratio: 0.05, requests: 8)
    #expect(few == [1000] + [Int](repeating: 1, count: 7))
    #expect(throws: AttentionError.self) {
      try DecodeBenchmark.raggedLengths(maxLength: 10, ratio: 0, requests: 4)
    }
    #expect(throws: AttentionError.self) {
      try DecodeBenchmark.raggedLengths(maxLength: 10, ratio: 0.5, requests: 0)
    }
  }

  @Test func bytesMovedIsKeysValuesQueriesAndOutputs() throws {
    let p = try AttentionProblem(
      requests: [RequestShape](repeating: RequestShape(queryLength: 1, kvLength: 1000), count: 3),
      queryHeads: 32, kvHeads: 8, headDim: 128, mask: .causal())
    let expected = Double(2 * 3 * 1000 * 8 * 128 * 2 + 2 * 3 * 32 * 128 * 2)
    #expect(DecodeBenchmark.bytesMoved(p, elementBytes: 2) == expected)
  }

  /// Between two uses of one K/V set, the other sets fill L2 twice over.
  @Test func rotationDefeatsL2() {
    let l2 = 50_000_000
    for bytes in [1, 1000, 4_000_000, 29_000_000, 60_000_000, 99_999_999, 100_000_000, 1 << 33] {
      let sets = DecodeBenchmark.keyValueSets(keyValueBytes: bytes, l2Bytes: l2)
      if bytes >= 2 * l2 {
        #expect(sets == 1)
      } else {
        #expect(sets >= 2 && sets <= 256)
        #expect(sets == 256 || (sets - 1) * bytes >= 2 * l2, "\(bytes) bytes: \(sets) sets")
      }
    }
  }

  /// The kernels' `LA_MIN_CTAS(R)`, `((R) == 1 ? a : (R) == 2 ? b : c)` in the
  /// source, read here, against the Swift mirror that sizes the lean grid.
  @Test func ctasPerSMFollowTheKernelLaunchBounds() throws {
    let source = KernelCompiler.source
    let line = try #require(
      source.split(separator: "\n").first { $0.hasPrefix("#define LA_MIN_CTAS(R)") })
    let n = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    try #require(n.count == 5 && n[0] == 1 && n[2] == 2, "unexpected form: \(line)")
    for (r, slots) in [(1, n[1]), (2, n[3]), (4, n[4]), (8, n[4])] {
      #expect(DecodeSupport.ctasPerSM(rowsPerPass: r) == slots, "\(r) rows a pass")
    }
    #expect(source.contains("__launch_bounds__(LA_THREADS, LA_MIN_CTAS(R))"))
  }

  @Test func groupsUpToEightTakeOnePass() {
    for g in 1...64 {
      let r = DecodeSupport.rowsPerPass(groupSize: g)
      #expect([1, 2, 4, 8].contains(r))
      #expect(g > 8 ? r == 8 : (r >= g && r < 2 * g))
    }
  }

  @Test(
    .enabled(
      if: hasGPU, "no CUDA driver or device on this machine; run `leanattn cuda-check` on a GPU"))
  func missingPeerIsReportedNotHung() throws {
    let device = try CUDADevice(driver: try CUDADriver())
    let executor = try CUDAExecutor(
      device: device, image: try KernelCompiler(nvrtc: try NVRTC()).image(arch: device.arch))
    let p = try AttentionProblem(
      requests: [RequestShape(queryLength: 1, kvLength: 4000)], queryHeads: 8, kvHeads: 8,
      headDim: 128, mask: .causal())
    let x = try DecodeBenchmark.uniformInputs(p, pageSize: nil, seed: 1, as: Float16.self)
    let schedule = try LeanPartitioner().schedule(p, on: .h100)
    #expect(throws: CUDAError.peerNeverArrived(waitMilliseconds: 100)) {
      _ = try executor.runWithMissingPeer(schedule, on: x, waitNanoseconds: 100_000_000)
    }
  }
}
