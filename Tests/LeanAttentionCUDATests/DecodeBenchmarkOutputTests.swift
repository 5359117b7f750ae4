import Foundation
import LeanAttention
import LeanAttentionCUDA
import Testing

/// `bench cuda`'s text and JSON lines for hand-made measurements, against
/// hand-written lines: the format other tools parse, no GPU.
@Suite("bench cuda's output lines (no GPU needed)")
struct DecodeBenchmarkOutputTests {
  static let setup = DecodeBenchmark.Setup(
    deviceName: "NVIDIA H100 80GB HBM3", multiprocessors: 132, dtype: .f16, kvLengths: [100, 201],
    queryHeads: 32, kvHeads: 8, headDim: 128, pageSize: nil, copyBandwidth: 2.5e12,
    bytes: 25_000_000, floorMicroseconds: 10)

  /// Lean, passed, with an invariant mode that passed and a lean ratio.
  static let lean = DecodeBenchmark.Measurement(
    partitioner: .lean, grid: 264, splits: 3, combineGrid: 0,
    kernelName: "la_segments_f16_d128_r4",
    timing: DecodeBenchmark.Timing(
      medianMicroseconds: 12.5, minMicroseconds: 12, maxMicroseconds: 14, calls: 100,
      keyValueSets: 4),
    bytes: 25_000_000, gigabytesPerSecond: 2000, copyGigabytesPerSecond: 2500,
    fractionOfCopy: 0.8, floorMicroseconds: 10, maxAbsError: 1.5e-4, errorLimit: 1.2e-3,
    passed: true,
    invariant: DecodeBenchmark.Measurement.Invariant(
      timing: DecodeBenchmark.Timing(
        medianMicroseconds: 15, minMicroseconds: 14.5, maxMicroseconds: 16, calls: 100,
        keyValueSets: 4),
      blockN: 64, maxAbsError: 2.5e-4, bitwise: true, passed: true, ratio: 1.2, ratioToLean: 0.75))

  /// Fixed-split, failed in both modes, no lean ratio, a NaN invariant error.
  static let fixedSplit = DecodeBenchmark.Measurement(
    partitioner: .fixedSplit, grid: 1056, splits: 16, combineGrid: 66,
    kernelName: "la_segments_bf16_d128_r4",
    timing: DecodeBenchmark.Timing(
      medianMicroseconds: 1234.56, minMicroseconds: 1200.04, maxMicroseconds: 1300, calls: 50,
      keyValueSets: 1),
    bytes: 25_000_000, gigabytesPerSecond: 456.7, copyGigabytesPerSecond: 2500,
    fractionOfCopy: 0.18, floorMicroseconds: 100, maxAbsError: 3e-2, errorLimit: 1e-3,
    passed: false,
    invariant: DecodeBenchmark.Measurement.Invariant(
      timing: DecodeBenchmark.Timing(
        medianMicroseconds: 1851.8, minMicroseconds: 1800, maxMicroseconds: 1900, calls: 50,
        keyValueSets: 1),
      blockN: 128, maxAbsError: .nan, bitwise: false, passed: false, ratio: 1.5,
      ratioToLean: nil))

  @Test func theHeaderLine() {
    #expect(
      Self.setup.textLine
        == "NVIDIA H100 80GB HBM3, 132 SMs; copy 2500 GB/s; 2 requests (mean 150, max 201 tokens), Hq 32, Hkv 8, D 128, f16; floor 10.0 µs"
    )
    var paged = Self.setup
    paged.dtype = .bf16
    paged.pageSize = 16
    paged.kvLengths = []
    #expect(
      paged.textLine
        == "NVIDIA H100 80GB HBM3, 132 SMs; copy 2500 GB/s; 0 requests (mean 0, max 0 tokens), Hq 32, Hkv 8, D 128, bf16, pages of 16; floor 10.0 µs"
    )
  }

  @Test func textLines() {
    #expect(
      Self.lean.textLines == [
        "pass lean grid  264 splits   3:      12.5 µs (min 12.0, max 14.0, 100 calls, 4 K/V sets),    2000 GB/s = 0.80 of copy, 1.25× floor; max|ΔO| 1.50e-04 ",
        "pass lean invariant:      15.0 µs (min 14.5) = 1.200× this partitioner's normal mode, 0.750× normal lean; max|ΔO| 2.50e-04; same bits as the first invariant output at blockN 64",
      ])
    #expect(
      Self.fixedSplit.textLines == [
        "FAIL fixed-split grid 1056 splits  16:    1234.6 µs (min 1200.0, max 1300.0, 50 calls, 1 K/V sets),     457 GB/s = 0.18 of copy, 12.35× floor; max|ΔO| 3.00e-02 > 1.00e-03",
        "FAIL fixed-split invariant:    1851.8 µs (min 1800.0) = 1.500× this partitioner's normal mode; max|ΔO| nan; NOT the same bits as the first invariant output at blockN 128",
      ])
    var normalOnly = Self.lean
    normalOnly.invariant = nil
    #expect(normalOnly.textLines.count == 1)
  }

  @Test func jsonLines() {
    #expect(
      Self.lean.jsonLine(setup: Self.setup)
        == #"{"partitioner": "lean", "device": "NVIDIA H100 80GB HBM3", "dtype": "f16", "batch": 2, "heads": 32, "kv_heads": 8, "head_dim": 128, "contexts": [100, 201], "mean_context": 150.5, "max_context": 201, "page_size": null, "grid": 264, "splits": 3, "combine_grid": 0, "kernel": "la_segments_f16_d128_r4", "us": 12.5, "min_us": 12.0, "max_us": 14.0, "calls": 100, "kv_sets": 4, "bytes": 25000000.0, "gbps": 2000.0, "copy_gbps": 2500.0, "fraction_of_copy": 0.8, "floor_us": 10.0, "max_abs_error": 0.00015, "error_limit": 0.0012, "passed": true, "invariant_us": 15.0, "invariant_min_us": 14.5, "invariant_ratio": 1.2, "invariant_vs_lean": 0.75, "invariant_bitwise": true, "block_n": 64, "invariant_max_abs_error": 0.00025, "invariant_passed": true}"#
    )
    var paged = Self.setup
    paged.dtype = .bf16
    paged.pageSize = 16
    paged.kvLengths = [7]
    #expect(
      Self.fixedSplit.jsonLine(setup: paged)
        == #"{"partitioner": "fixed-split", "device": "NVIDIA H100 80GB HBM3", "dtype": "bf16", "batch": 1, "heads": 32, "kv_heads": 8, "head_dim": 128, "contexts": [7], "mean_context": 7.0, "max_context": 7, "page_size": 16, "grid": 1056, "splits": 16, "combine_grid": 66, "kernel": "la_segments_bf16_d128_r4", "us": 1234.56, "min_us": 1200.04, "max_us": 1300.0, "calls": 50, "kv_sets": 1, "bytes": 25000000.0, "gbps": 456.7, "copy_gbps": 2500.0, "fraction_of_copy": 0.18, "floor_us": 100.0, "max_abs_error": 0.03, "error_limit": 0.001, "passed": false, "invariant_us": 1851.8, "invariant_min_us": 1800.0, "invariant_ratio": 1.5, "invariant_vs_lean": null, "invariant_bitwise": false, "block_n": 128, "invariant_max_abs_error": null, "invariant_passed": false}"#
    )
    // Every line is JSON that a strict parser takes (Foundation's refuses NaN).
    for line in [
      Self.lean.jsonLine(setup: Self.setup), Self.fixedSplit.jsonLine(setup: paged),
    ] {
      #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "\(line)")
    }
    var normalOnly = Self.lean
    normalOnly.invariant = nil
    #expect(
      normalOnly.jsonLine(setup: Self.setup).hasSuffix(
        #""max_abs_error": 0.00015, "error_limit": 0.0012, "passed": true}"#))
  }

  @Test func dryRunLines() {
    #expect(
      DecodeBenchmark.DryRunStep.inputs(kvTokens: 4096, seconds: 0.5).textLine
        == "inputs (4096 KV tokens): 0.50 s")
    #expect(
      DecodeBenchmark.DryRunStep.oracle(rows: 64, seconds: 1.25).textLine
        == "CPU oracle (64 rows): 1.25 s")
    #expect(
      DecodeBenchmark.DryRunStep.schedule(.lean, grid: 264, segments: 528, splits: 3, seconds: 0)
        .textLine == "lean: grid 264, 528 segments, splits 3: 0.00 s")
  }

  /// A run passes only when both modes of every partitioner passed.
  @Test func aReportPassesOnlyWhenEveryModePassed() {
    var lean = Self.lean
    #expect(DecodeBenchmark.Report(setup: Self.setup, measurements: [lean]).passed)
    lean.invariant?.passed = false
    #expect(!lean.allPassed)
    #expect(!DecodeBenchmark.Report(setup: Self.setup, measurements: [lean]).passed)
    lean.invariant = nil
    #expect(DecodeBenchmark.Report(setup: Self.setup, measurements: [lean]).passed)
    lean.passed = false
    #expect(!DecodeBenchmark.Report(setup: Self.setup, measurements: [lean]).passed)
    #expect(DecodeBenchmark.Report(setup: Self.setup, measurements: []).passed)
  }
}
