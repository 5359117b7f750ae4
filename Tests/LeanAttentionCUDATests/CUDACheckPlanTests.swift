import Foundation
import LeanAttention
import LeanAttentionCUDA
import LeanAttentionGolden
import TestSupport
import Testing

/// What `cuda-check` would run, and the round-robin partitioner it checks
/// the executor with: pure logic, no GPU.
@Suite("cuda-check plan (no GPU needed)")
struct CUDACheckPlanTests {
  /// The committed corpus's golden files, in manifest order.
  static func corpus() throws -> [GoldenFile] {
    let manifest = try Data(contentsOf: fixturesFolder.appendingPathComponent("manifest.json"))
    let json = try #require(try JSONSerialization.jsonObject(with: manifest) as? [String: Any])
    let cases = try #require(json["cases"] as? [[String: Any]])
    return try cases.map {
      let file = try #require($0["file"] as? String)
      return try GoldenFile(contentsOf: fixturesFolder.appendingPathComponent(file).path)
    }
  }

  /// Every fixture the decode kernels cover (Docs/CUDA.md: decode, F16/BF16,
  /// D 64/128/256, no soft cap, at most 64 query heads per KV head) gets five
  /// partitioners on two device models; the others are skipped with a reason.
  @Test func fixtureRunsCoverEveryPartitionerOnTwoModels() throws {
    var planned = 0
    var covered: [String] = []
    for golden in try Self.corpus() {
      let d = golden.description
      let p = d.problem
      let decode = p.requests.allSatisfy { $0.queryLength == 1 }
      let covers =
        decode && d.dtype != .f32 && [64, 128, 256].contains(p.headDim) && p.softCap == nil
        && p.queryHeads / p.kvHeads <= 64
      #expect((CUDACheck.unsupportedReason(golden) == nil) == covers, "\(d.name)")
      guard covers else { continue }
      covered.append(d.name)
      let runs = try CUDACheck.fixtureRuns(of: golden)
      planned += runs.count
      // Partitioner-major, H100 before the 7-SM model, each pair once.
      var expected: [(String, Int)] = []
      for kind in ["per-head", "fixed-split", "lean", "balanced-split", "fa3-split"] {
        expected += [(kind, 132), (kind, 7)]
      }
      #expect(runs.map(\.partitioner.rawValue) == expected.map { $0.0 })
      #expect(runs.map(\.device.smCount) == expected.map { $0.1 })
      #expect(runs.allSatisfy { $0.goldenCase == d.goldenCase && $0.seed == d.seed })
      #expect(runs.allSatisfy { $0.fixture?.description == d })
    }
    // The H100 run of Docs/CUDA.md: `--random-cases 10` made 60 runs, 5 fixtures.
    #expect(covered.count == 5, "\(covered)")
    #expect(planned == 5 * 5 * 2)
  }

  @Test func randomRunsTakePartitionersAndSMCountsInTurn() throws {
    let check = CUDACheck(fixtures: [], randomCases: 23, seed: 41, invariantCases: 0)
    let runs = try check.randomRuns()
    #expect(runs.count == 23)
    // Each SM count for three cases in a row, written out.
    let sms = [1, 1, 1, 7, 7, 7, 108, 108, 108, 132, 132, 132, 257, 257, 257]
    var generator = RandomDecodeCases(seed: 41)
    var perPartitioner: [PartitionerKind: Int] = [:]
    for (i, run) in runs.enumerated() {
      #expect(run.goldenCase == (try generator.next(index: i)))
      #expect(run.goldenCase.name == "random-\(i)")
      #expect(run.seed == 41 + UInt64(i))
      #expect(run.fixture == nil)
      #expect(run.device.smCount == sms[i % 15])
      #expect(run.device.name == "sm\(sms[i % 15])")
      perPartitioner[run.partitioner, default: 0] += 1
    }
    // 23 = 4 · 5 + 3: the first three partitioners get one more.
    #expect(runs.prefix(5).map(\.partitioner) == PartitionerKind.allCases)
    #expect(PartitionerKind.allCases.map { perPartitioner[$0] ?? 0 } == [5, 5, 5, 4, 4])
  }

  @Test func invariantCasesComeFromTheirOwnSeed() throws {
    let check = CUDACheck(fixtures: [], randomCases: 0, seed: 9, invariantCases: 4)
    let cases = try check.invariantRandomCases()
    var generator = RandomDecodeCases(seed: 9 + 65536)
    #expect(cases.count == 4)
    for (i, c) in cases.enumerated() {
      #expect(c.goldenCase == (try generator.next(index: i)))
      #expect(c.seed == 9 + 65536 + UInt64(i))
    }
    #expect(try check.randomRuns().isEmpty)
    // Six models, SM counts 1…264, one or two CTAs per SM.
    let models = try CUDACheck.invariantModels()
    #expect(
      models.map { [$0.smCount, $0.ctasPerSM] } == [
        [1, 1], [7, 1], [66, 2], [132, 1], [132, 2], [264, 1],
      ])
  }

  @Test func negativeCountsAreTypedErrors() {
    #expect(throws: CUDACheckError.negativeCount("random cases", -1)) {
      try CUDACheck(fixtures: [], randomCases: -1, seed: 1, invariantCases: 0).randomRuns()
    }
    #expect(throws: CUDACheckError.negativeCount("invariant cases", -3)) {
      try CUDACheck(fixtures: [], randomCases: 0, seed: 1, invariantCases: -3)
        .invariantRandomCases()
    }
    #expect(CUDACheckError.negativeCount("random cases", -1).description.contains("0 or more"))
  }

  /// The golden file of a run carries exactly the partial states its
  /// schedule makes the GPU write, whether the fixture had them or not.
  @Test func goldenFileCarriesTheSchedulesPartials() throws {
    let gqa = try GoldenFile(
      contentsOf: fixturesFolder.appendingPathComponent("decode-gqa.safetensors").path)
    let d = gqa.description
    for kind in [PartitionerKind.lean, .fixedSplit, .perHead] {
      for model in try CUDACheck.fixtureModels() {
        let plan = CUDACheckPlannedRun(
          goldenCase: d.goldenCase, seed: d.seed, fixture: gqa, partitioner: kind, device: model)
        let schedule = try plan.schedule()
        let golden = try plan.golden(for: schedule)
        #expect(golden.description == d)
        let writes = schedule.reduction == .combinePass || schedule.maxSplits > 1
        #expect(CUDACheckPlannedRun.wantsPartials(schedule) == writes)
        if writes {
          #expect(golden.partials == PartialsDescription(schedule), "\(kind) \(model.name)")
        }
      }
    }
    // The fixture carries lean on the H100: taken as it is.
    let lean = CUDACheckPlannedRun(
      goldenCase: d.goldenCase, seed: d.seed, fixture: gqa, partitioner: .lean, device: .h100)
    let golden = try lean.golden(for: try lean.schedule())
    #expect(golden.file.bytes == gqa.file.bytes)
  }

  /// Piece `n` (outputs request-major then KV head, blocks in KV order) of
  /// one block goes to CTA `grid − 1 − n mod grid`, computed here from the
  /// request lengths alone.
  @Test(arguments: [1, 5, 6, 64])
  func roundRobinDealsOneBlockPiecesFromTheLastCTA(grid: Int) throws {
    let lengths = [17, 0, 300, 64, 700, 1]
    let (hq, hkv, blockN) = (16, 2, 64)
    let problem = try AttentionProblem(
      requests: lengths.map { RequestShape(queryLength: 1, kvLength: $0) }, queryHeads: hq,
      kvHeads: hkv, headDim: 128, mask: .causal())
    let schedule = try RoundRobinPartitioner(blockN: blockN, grid: grid).schedule(
      problem, on: .h100)
    var expected = [[(request: Int, kvHead: Int, block: Int)]](repeating: [], count: grid)
    var n = 0
    for (r, length) in lengths.enumerated() {
      for h in 0..<hkv {
        for block in 0..<((length + blockN - 1) / blockN) {
          expected[grid - 1 - n % grid].append((r, h, block))
          n += 1
        }
      }
    }
    #expect(schedule.ctas.count == grid)
    #expect(schedule.reduction == .combinePass)
    #expect(schedule.partitioner == "round-robin")
    #expect(schedule.blockN == blockN)
    for (cta, segments) in schedule.ctas.enumerated() {
      let got = segments.map {
        (
          schedule.outputs[$0.output].request, schedule.outputs[$0.output].kvHead,
          $0.blocks.lowerBound, $0.blocks.count
        )
      }
      #expect(got.map { $0.0 } == expected[cta].map { $0.request }, "CTA \(cta)")
      #expect(got.map { $0.1 } == expected[cta].map { $0.kvHead }, "CTA \(cta)")
      #expect(got.map { $0.2 } == expected[cta].map { $0.block }, "CTA \(cta)")
      #expect(got.allSatisfy { $0.3 == 1 })
    }
    #expect(n == 2 * (1 + 0 + 5 + 1 + 11 + 1))
  }

  @Test func roundRobinRefusesAnEmptyGrid() {
    #expect(throws: AttentionError.self) {
      try RoundRobinPartitioner(blockN: 64, grid: 0).schedule(
        try AttentionProblem(
          requests: [RequestShape(queryLength: 1, kvLength: 10)], queryHeads: 1, kvHeads: 1,
          headDim: 64), on: .h100)
    }
  }
}
