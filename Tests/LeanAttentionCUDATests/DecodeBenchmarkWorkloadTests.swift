import LeanAttention
import LeanAttentionCUDA
import Testing

/// How `bench cuda` turns its options into a workload and a configuration:
/// hand-written lengths and limits, no GPU.
@Suite("bench cuda's workload and configuration (no GPU needed)")
struct DecodeBenchmarkWorkloadTests {
  @Test func aUniformBatchIsThatManyEqualDecodeRequests() throws {
    let p = try DecodeBenchmark.workload(
      .uniform(length: 8192, batch: 3), queryHeads: 32, kvHeads: 8, headDim: 128)
    #expect(
      p.requests
        == [RequestShape](repeating: RequestShape(queryLength: 1, kvLength: 8192), count: 3))
    #expect(p.queryHeads == 32 && p.kvHeads == 8 && p.headDim == 128)
    #expect(p.mask == .causal())
  }

  @Test func aListIsOneRequestPerLength() throws {
    let contexts = try DecodeBenchmark.Contexts(parsingList: " 8192, 0,17 ")
    #expect(contexts == .list([8192, 0, 17]))
    let p = try DecodeBenchmark.workload(contexts, queryHeads: 8, kvHeads: 8, headDim: 64)
    #expect(p.requests.map(\.kvLength) == [8192, 0, 17])
    #expect(p.requests.allSatisfy { $0.queryLength == 1 })
    #expect(try DecodeBenchmark.Contexts(parsingList: "1,,2") == .list([1, 2]))
    for bad in ["", ",", "1,-2", "x", "1.5", "1;2"] {
      #expect(throws: DecodeBenchmarkError.invalidContextList(bad), "\(bad)") {
        try DecodeBenchmark.Contexts(parsingList: bad)
      }
    }
  }

  /// Ratios at and above 1/2 rise linearly from (2·ratio − 1)·max to max;
  /// below, one request is the longest and the others share the rest.
  @Test func raggedBatchesHaveTheHandComputedLengths() throws {
    func lengths(_ ratio: Double, _ n: Int) throws -> [Int] {
      try DecodeBenchmark.workload(
        .ragged(maxLength: 1000, ratio: ratio, requests: n), queryHeads: 4, kvHeads: 4,
        headDim: 128
      ).requests.map(\.kvLength)
    }
    // low = 0.5 · 1000 = 500; 1000 − 500 · i / 4.
    #expect(try lengths(0.75, 5) == [1000, 875, 750, 625, 500])
    #expect(try lengths(1, 3) == [1000, 1000, 1000])
    // rest = (0.3 · 4 − 1) · 1000 / 3 = 66.7 → 67.
    #expect(try lengths(0.3, 4) == [1000, 67, 67, 67])
    // rest = (0.25 · 4 − 1) · 1000 / 3 = 0 → at least 1 token.
    #expect(try lengths(0.25, 4) == [1000, 1, 1, 1])
    #expect(try lengths(0.5, 1) == [1000])
  }

  @Test func lengthsAndBatchesOutsideTheLimitsAreRefused() {
    func workload(_ c: DecodeBenchmark.Contexts) throws -> AttentionProblem {
      try DecodeBenchmark.workload(c, queryHeads: 8, kvHeads: 8, headDim: 128)
    }
    #expect(throws: DecodeBenchmarkError.batchOutOfRange(0)) {
      try workload(.uniform(length: 10, batch: 0))
    }
    #expect(throws: DecodeBenchmarkError.batchOutOfRange(65537)) {
      try workload(.uniform(length: 10, batch: 65537))
    }
    #expect(throws: Never.self) { try workload(.uniform(length: 1, batch: 65536)) }
    #expect(throws: DecodeBenchmarkError.contextOutOfRange(16_777_217)) {
      try workload(.uniform(length: 16_777_217, batch: 1))
    }
    // 2^24 tokens of one KV head of 64: 2^30 K elements, within 32-bit indices.
    #expect(throws: Never.self) {
      try DecodeBenchmark.workload(
        .uniform(length: 16_777_216, batch: 1), queryHeads: 1, kvHeads: 1, headDim: 64)
    }
    #expect(throws: DecodeBenchmarkError.contextOutOfRange(-1)) {
      try workload(.list([5, -1]))
    }
    #expect(throws: DecodeBenchmarkError.invalidContextList("")) { try workload(.list([])) }
    // The ragged rule itself allows up to 2^30 tokens; the benchmark 2^24.
    #expect(throws: DecodeBenchmarkError.contextOutOfRange(1 << 25)) {
      try workload(.ragged(maxLength: 1 << 25, ratio: 1, requests: 2))
    }
    #expect(
      throws: DecodeBenchmarkError.invalidWorkload(
        .invalidParameter(name: "ragged ratio", value: "0.0", allowed: "in (0, 1]"))
    ) { try workload(.ragged(maxLength: 100, ratio: 0, requests: 2)) }
  }

  @Test func problemsTheKernelsDoNotRunAreRefused() {
    #expect(
      throws: DecodeBenchmarkError.invalidWorkload(.headsNotDivisible(queryHeads: 3, kvHeads: 2))
    ) {
      try DecodeBenchmark.workload(
        .uniform(length: 10, batch: 1), queryHeads: 3, kvHeads: 2, headDim: 128)
    }
    for (heads, kvHeads, headDim) in [(8, 8, 96), (65, 1, 128)] {
      #expect(throws: DecodeBenchmarkError.self, "Hq \(heads) Hkv \(kvHeads) D \(headDim)") {
        try DecodeBenchmark.workload(
          .uniform(length: 10, batch: 1), queryHeads: heads, kvHeads: kvHeads, headDim: headDim)
      }
    }
    #expect(throws: Never.self) {
      try DecodeBenchmark.workload(
        .uniform(length: 10, batch: 1), queryHeads: 64, kvHeads: 1, headDim: 256)
    }
  }

  @Test func configurationLimits() throws {
    typealias C = DecodeBenchmark.Configuration
    #expect(throws: DecodeBenchmarkError.callsOutOfRange(49)) { try C(calls: 49) }
    #expect(throws: DecodeBenchmarkError.callsOutOfRange(100_001)) { try C(calls: 100_001) }
    #expect(throws: Never.self) { try C(calls: 50) }
    #expect(throws: DecodeBenchmarkError.pageSizeOutOfRange(0)) { try C(pageSize: 0) }
    #expect(throws: DecodeBenchmarkError.pageSizeOutOfRange(65537)) { try C(pageSize: 65537) }
    #expect(throws: DecodeBenchmarkError.l2BytesOutOfRange(-1)) { try C(l2Bytes: -1) }
    #expect(throws: DecodeBenchmarkError.l2BytesOutOfRange(Int.max)) { try C(l2Bytes: Int.max) }
    #expect(throws: DecodeBenchmarkError.invalidLeanGrid("0")) { try C(leanGrid: .ctas(0)) }

    let defaults = try C()
    #expect(defaults.partitioners == PartitionerKind.allCases)
    #expect(defaults.dtype == .f16 && defaults.leanGrid == .kernelSlots)
    #expect(defaults.pageSize == nil && defaults.calls == 100 && defaults.l2Bytes == 50_000_000)
    #expect(!defaults.invariant)

    #expect(try C.partitioners(named: "all") == PartitionerKind.allCases)
    #expect(try C.partitioners(named: "fixed-split") == [.fixedSplit])
    #expect(throws: DecodeBenchmarkError.unknownPartitioner("Lean")) {
      try C.partitioners(named: "Lean")
    }
    #expect(try DecodeBenchmark.ElementType(name: "bf16") == .bf16)
    #expect(throws: DecodeBenchmarkError.unknownElementType("F16")) {
      try DecodeBenchmark.ElementType(name: "F16")
    }
  }

  @Test func leanGridSpellings() throws {
    #expect(try DecodeBenchmark.LeanGrid(parsing: "resident") == .resident)
    #expect(try DecodeBenchmark.LeanGrid(parsing: "264") == .ctas(264))
    for bad in ["0", "-3", "abc", "", "Resident", "2.5"] {
      #expect(throws: DecodeBenchmarkError.invalidLeanGrid(bad), "\(bad)") {
        try DecodeBenchmark.LeanGrid(parsing: bad)
      }
    }
  }

  /// Paged K/V holds every request's whole pages; the kernels index them with
  /// 32-bit integers.
  /// The inputs' host bytes, worked by hand: 2 requests of 100 and 30 tokens,
  /// 4 query and 2 KV heads, D 64. Q: 2 · 4 · 64 · 2 = 1024 bytes; K and V:
  /// 2 · 130 · 2 · 64 · 2 = 66560 contiguous, and in pages of 16 (7 + 2 pages,
  /// 144 tokens) 2 · 144 · 2 · 64 · 2 = 73728. A budget one byte short is
  /// refused before anything is allocated; the exact budget is enough.
  @Test func inputsAreCheckedAgainstTheMemoryBudget() throws {
    let p = try AttentionProblem(
      requests: [.init(queryLength: 1, kvLength: 100), .init(queryLength: 1, kvLength: 30)],
      queryHeads: 4, kvHeads: 2, headDim: 64, mask: .causal())
    #expect(DecodeBenchmark.inputBytes(p, pageSize: nil) == 1024 + 66560)
    #expect(DecodeBenchmark.inputBytes(p, pageSize: 16) == 1024 + 73728)
    for (pageSize, bytes) in [(nil, 67584), (16, 74752)] as [(Int?, Int)] {
      #expect(throws: AttentionError.self, "page size \(String(describing: pageSize))") {
        try DecodeBenchmark.uniformInputs(
          p, pageSize: pageSize, seed: 1, as: Float16.self,
          budget: MemoryBudget(bytes: bytes - 1))
      }
      let x = try DecodeBenchmark.uniformInputs(
        p, pageSize: pageSize, seed: 1, as: Float16.self, budget: MemoryBudget(bytes: bytes))
      #expect(x.queries.storage.count * 2 == 1024)
    }
    // The largest inputs a valid problem holds are about 2³¹ elements each of
    // K and V: `bench cuda --batch 1024 --context 1024 --heads 8 --kv-heads 8`
    // (2²⁰ KV tokens × 8 heads × 128 = 2³⁰ elements) needs 4 GiB for K and
    // V; a 1 GiB budget refuses it before the arrays exist.
    let large = try AttentionProblem(
      requests: [RequestShape](
        repeating: RequestShape(queryLength: 1, kvLength: 1 << 10), count: 1 << 10),
      queryHeads: 8, kvHeads: 8, headDim: 128, mask: .causal())
    #expect(
      DecodeBenchmark.inputBytes(large, pageSize: nil) == (1 << 32) + (1 << 10) * 8 * 128 * 2)
    #expect(throws: AttentionError.self) {
      try DecodeBenchmark.uniformInputs(
        large, pageSize: nil, seed: 1, as: Float16.self, budget: MemoryBudget(bytes: 1 << 30))
    }
  }

  @Test func thePagedPoolMustFitThirtyTwoBitIndices() throws {
    let p = try DecodeBenchmark.workload(
      .uniform(length: 1, batch: 65536), queryHeads: 1, kvHeads: 1, headDim: 64)
    // Each request takes one page of 65536 tokens: 32768 pages are 2^31 tokens.
    #expect(throws: DecodeBenchmarkError.pagePoolTooLarge(tokens: 2_147_483_648)) {
      try DecodeBenchmark.Configuration(pageSize: 65536).check(p)
    }
    // 65536 pages of 32768 tokens: 2^31 tokens too.
    #expect(throws: DecodeBenchmarkError.pagePoolTooLarge(tokens: 2_147_483_648)) {
      try DecodeBenchmark.Configuration(pageSize: 32768).check(p)
    }
    // 65536 pages of 16384 tokens: 2^30, within.
    #expect(throws: Never.self) { try DecodeBenchmark.Configuration(pageSize: 16384).check(p) }
    #expect(throws: Never.self) { try DecodeBenchmark.Configuration().check(p) }
  }
}
