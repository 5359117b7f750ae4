import Foundation
import LeanAttention
import LeanAttentionGolden
import SafeTensors
import TestSupport
import Testing

@Suite("Philox")
struct PhiloxTests {
  // Random123's known-answer vectors for philox4x32_10 (kat_vectors).
  @Test func random123KnownAnswers() {
    let zero = Philox4x32(key: (0, 0)).block((0, 0, 0, 0))
    #expect(
      [zero.0, zero.1, zero.2, zero.3] == [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8])
    let ones = Philox4x32(key: (.max, .max)).block((.max, .max, .max, .max))
    #expect(
      [ones.0, ones.1, ones.2, ones.3] == [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd])
    let pi = Philox4x32(key: (0xa409_3822, 0x299f_31d0)).block(
      (0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344))
    #expect([pi.0, pi.1, pi.2, pi.3] == [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1])
  }

  @Test func normalSamplesHaveUnitMoments() {
    let x = NormalStream(seed: 7, stream: 1).samples(200_000)
    let mean = x.reduce(0, +) / Double(x.count)
    let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count)
    // Standard errors: 1/√n ≈ 0.0022 for the mean, √(2/n) ≈ 0.0032 for the variance.
    #expect(abs(mean) < 0.01)
    #expect(abs(variance - 1) < 0.015)
  }
}

@Suite("Golden files")
struct GoldenTests {
  /// Every committed fixture, regenerated, must be byte-identical, and the manifest too.
  @Test func fixturesRegenerateByteForByte() throws {
    let (files, manifest) = try GoldenCorpus.build()
    #expect(!files.isEmpty)
    var total = 0
    for f in files {
      let committed = try Data(contentsOf: fixturesFolder.appendingPathComponent(f.fileName))
      #expect(Array(committed) == f.bytes, "\(f.fileName) differs from its regeneration")
      total += f.bytes.count
    }
    let committedManifest = try String(
      contentsOf: fixturesFolder.appendingPathComponent(GoldenCorpus.manifestName), encoding: .utf8)
    #expect(committedManifest == manifest)
    #expect(total < 10_000_000, "the corpus must stay under 10 MB")
  }

  /// Each fixture's stored O and LSE agree with the test's own naive Float64 loop.
  @Test func fixturesMatchNaiveAttention() throws {
    for c in try CaseCatalog.all() where c.inCorpus {
      let g = try GoldenFile(
        contentsOf: fixturesFolder.appendingPathComponent("\(c.name).safetensors").path)
      #expect(g.description.name == c.name)
      #expect(g.problem == c.problem)
      let inputs = try g.inputs(as: Double.self)
      let (o, lse) = NaiveAttention.compute(inputs)
      let gold = try g.output()
      let scale = max(1, o.map(abs).max() ?? 0)
      #expect(maxAbsDifference(gold, o) <= 1e-12 * scale, "\(c.name)")
      let goldL = try g.logSumExp()
      for (a, b) in zip(goldL, lse) {
        if a.isInfinite || b.isInfinite {
          #expect(a == b, "\(c.name): masked rows")
        } else {
          #expect(abs(a - b) <= 1e-12 * max(1, abs(b)), "\(c.name)")
        }
      }
    }
  }

  /// The stored inputs are the seeded inputs of the case, rounded to its dtype.
  @Test func storedInputsAreTheSeededInputs() throws {
    let c = try CaseCatalog.named("paged-kv")
    let g = try GoldenFile(
      contentsOf: fixturesFolder.appendingPathComponent("paged-kv.safetensors").path)
    let stored = try g.inputs(as: Float16.self)
    let seeded = try SeededInputs.paged(
      c.problem, seed: CaseCatalog.defaultSeed, pageSize: 16, as: Float16.self)
    #expect(stored.queries.storage == seeded.queries.storage)
    #expect(stored.keyValueStorage.keys == seeded.keyValueStorage.keys)
    guard case .paged(_, _, let a) = stored.keyValues, case .paged(_, _, let b) = seeded.keyValues
    else {
      Issue.record("paged layout expected")
      return
    }
    #expect(a == b)
  }

  /// The partial states merge to O (by the test's own formula), and each
  /// partial is the attention over its piece's KV range alone.
  @Test func partialsAreTheSchedulesPieces() throws {
    let g = try GoldenFile(
      contentsOf: fixturesFolder.appendingPathComponent("decode-gqa.safetensors").path)
    let p = g.problem
    let d = p.headDim
    let rows = p.totalQueryTokens * p.queryHeads
    let po = try g.doubles("partial_o", shape: try g.file.entry("partial_o").shape)
    let pl = try g.file.doubles("partial_lse")
    let splits = pl.count / rows
    #expect(splits >= 2, "the case is meant to have split heads")
    let gold = try g.output()
    var merged = [Double](repeating: 0, count: rows * d)
    for r in 0..<rows {
      let lses = (0..<splits).map { pl[$0 * rows + r] }
      let m = lses.max() ?? -.infinity
      let total = m + log(lses.reduce(0) { $0 + exp($1 - m) })
      for s in 0..<splits where lses[s] > -.infinity {
        for e in 0..<d { merged[r * d + e] += exp(lses[s] - total) * po[(s * rows + r) * d + e] }
      }
    }
    #expect(maxAbsDifference(merged, gold) <= 1e-13)

    // Piece (output, split, cta, first block, end block) → naive attention on that range.
    let partials = try #require(g.partials, "partials metadata missing")
    let blockN = partials.blockN
    let inputs = try g.inputs(as: Double.self)
    for piece in partials.pieces {
      let out = partials.outputs[piece.output]
      let (b, kvHead) = (out.request, out.kvHead)
      let lk = p.requests[b].kvLength
      let range = (piece.blocks.lowerBound * blockN)..<min(piece.blocks.upperBound * blockN, lk)
      let sub = try AttentionProblem(
        requests: [RequestShape(queryLength: 1, kvLength: range.count)], queryHeads: p.queryHeads,
        kvHeads: p.kvHeads, headDim: d, mask: .none)
      // Gather the piece's K and V and the request's query into a one-request problem.
      var q: [Double] = []
      var k: [Double] = []
      var v: [Double] = []
      let (ks, vs) = inputs.keyValueStorage
      for h in 0..<p.queryHeads {
        let at = (p.queryOffsets[b] * p.queryHeads + h) * d
        q += inputs.queries.storage[at..<(at + d)]
      }
      for j in range {
        for gh in 0..<p.kvHeads {
          let at = inputs.kvRowIndex(request: b, token: j, kvHead: gh)
          k += ks[at..<(at + d)]
          v += vs[at..<(at + d)]
        }
      }
      let x = try AttentionInputs(
        problem: sub, queries: Tensor(shape: [1, p.queryHeads, d], storage: q),
        keys: Tensor(shape: [range.count, p.kvHeads, d], storage: k),
        values: Tensor(shape: [range.count, p.kvHeads, d], storage: v))
      let (o, lse) = NaiveAttention.compute(x)
      for h in (kvHead * p.groupSize)..<((kvHead + 1) * p.groupSize) {
        let r = p.queryOffsets[b] * p.queryHeads + h
        #expect(abs(pl[piece.split * rows + r] - lse[h]) <= 1e-12 * max(1, abs(lse[h])))
        let got = Array(po[((piece.split * rows + r) * d)..<((piece.split * rows + r + 1) * d)])
        #expect(maxAbsDifference(got, Array(o[(h * d)..<((h + 1) * d)])) <= 1e-13)
      }
    }
  }

  @Test func sameCaseAndSeedGiveSameBytesAndSeedsDiffer() throws {
    let c = try CaseCatalog.named("decode-mqa")
    let a = try GoldenWriter.make(c, seed: 5).serialized()
    let b = try GoldenWriter.make(c, seed: 5).serialized()
    let other = try GoldenWriter.make(c, seed: 6).serialized()
    #expect(a == b)
    #expect(a != other)
  }

  @Test func corruptedTensorFailsChecksum() throws {
    var bytes = Array(
      try Data(contentsOf: fixturesFolder.appendingPathComponent("soft-cap.safetensors")))
    bytes[bytes.count - 3] ^= 1  // a byte of the last tensor
    let f = try SafeTensorsFile(bytes: Data(bytes))
    do {
      _ = try GoldenFile(f)
      Issue.record("corruption not detected")
    } catch {
      guard case .file(.checksumMismatch) = error else {
        Issue.record("unexpected \(error)")
        return
      }
    }
  }

  @Test func metadataWithoutVersionIsRejected() throws {
    var w = SafeTensorsWriter()
    try w.add("o", shape: [1], values: [Float(0)])
    let f = try SafeTensorsFile(bytes: Data(w.serialized()))
    #expect(throws: GoldenError.self) { try GoldenFile(f) }
  }

  @Test func caseDescriptionRoundTrips() throws {
    for c in try CaseCatalog.all() {
      let d = CaseDescription(c, seed: 99)
      let back = try CaseDescription(json: try JSONValue.parse(Array(d.json.serialized.utf8)))
      #expect(back == d, "\(c.name)")
    }
  }
}

@Suite("Compare")
struct CompareTests {
  func golden(_ name: String) throws -> GoldenFile {
    try GoldenFile(contentsOf: fixturesFolder.appendingPathComponent("\(name).safetensors").path)
  }

  /// A correct kernel's output — the test's own naive Float64 result rounded
  /// once to the candidate dtype — passes; the same with one element pushed
  /// past the threshold fails, and is the reported worst element.
  @Test func correctCandidatesPassAndPlantedErrorsFail() throws {
    func rounded(_ x: Double, _ dtype: DType) -> Double {
      switch dtype {
      case .f16: return Double(Float16(x))
      case .bf16: return BFloat16(x).doubleValue
      default: return Double(Float(x))
      }
    }
    for name in ["decode-gqa", "soft-cap", "sliding-window", "extreme-scores", "fully-masked-rows"]
    {
      let g = try golden(name)
      let (o, lse) = NaiveAttention.compute(try g.inputs(as: Double.self))
      for dtype in [DType.f16, .bf16, .f32] {
        let candidate = o.map { rounded($0, dtype) }
        let lse32 = lse.map { Double(Float($0)) }
        let pass = try Comparison.judge(
          golden: g, output: candidate, dtype: dtype, logSumExp: lse32)
        #expect(pass.passed, "\(name) \(dtype): \(pass.failures)")
        var bad = candidate
        let threshold = try #require(pass.outputThreshold)
        let i = lse.firstIndex { $0.isFinite }.map { $0 * g.problem.headDim + 1 } ?? 0
        bad[i] = o[i] + 1.5 * threshold
        let fail = try Comparison.judge(golden: g, output: bad, dtype: dtype, logSumExp: nil)
        #expect(!fail.passed, "\(name) \(dtype)")
        #expect(fail.output.worstIndex == i)
      }
    }
  }

  @Test func goldenFloat32CopyPassesAtFloat32() throws {
    let g = try golden("prefill-causal")
    let o = try g.file.doubles("o_f32")
    let c = try Comparison.judge(
      golden: g, output: o, dtype: .f32, logSumExp: try g.file.doubles("lse_f32"))
    #expect(c.passed, "\(c.failures)")
    // The emulated error is a real Float32 error, not zero, and far below F16's.
    #expect((c.emulatedOutputError ?? 0) > 0 && (c.emulatedOutputError ?? 1) < 1e-5)
  }

  @Test func nanAlwaysFails() throws {
    let g = try golden("decode-mha")
    var o = try g.output()
    o[5] = .nan
    let c = try Comparison.judge(golden: g, output: o, dtype: .f32, logSumExp: nil)
    #expect(!c.passed)
    #expect(c.output.nanCount == 1)
    #expect(c.output.worstIndex == 5)
    let loose = try Comparison.judge(
      golden: g, output: o, dtype: .f32, logSumExp: nil, policy: .explicit(atol: 1, rtol: 1))
    #expect(!loose.passed)
  }

  @Test func maskedRowsMustBeExactlyEmpty() throws {
    let g = try golden("fully-masked-rows")
    let o = try g.output()
    let l = try g.logSumExp()
    #expect(try Comparison.judge(golden: g, output: o, dtype: .f64, logSumExp: l).passed)
    var lse = l
    lse[0] = 0  // row 0 is masked; a finite LSE there is wrong (FlashAttention-2 writes +inf)
    #expect(!(try Comparison.judge(golden: g, output: o, dtype: .f64, logSumExp: lse).passed))
    var o2 = o
    o2[1] = 1e-30
    #expect(!(try Comparison.judge(golden: g, output: o2, dtype: .f64, logSumExp: l).passed))
  }

  @Test func explicitTolerances() throws {
    let g = try golden("decode-mqa")
    var o = try g.output()
    o[0] += 1e-3
    #expect(
      try Comparison.judge(
        golden: g, output: o, dtype: .f32, logSumExp: nil, policy: .explicit(atol: 2e-3, rtol: 0)
      ).passed)
    #expect(
      !(try Comparison.judge(
        golden: g, output: o, dtype: .f32, logSumExp: nil, policy: .explicit(atol: 5e-4, rtol: 0)
      ).passed))
  }

  @Test func wrongShapeIsAnError() throws {
    let g = try golden("decode-mqa")
    #expect(throws: ComparisonError.self) {
      try Comparison.judge(golden: g, output: [0, 1], dtype: .f32, logSumExp: nil)
    }
  }
}
