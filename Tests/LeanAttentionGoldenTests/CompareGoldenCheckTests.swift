import Foundation
import LeanAttention
import LeanAttentionGolden
import SafeTensors
import TestSupport
import Testing

/// A copy of a golden file with its `case` metadata and tensor bytes edited,
/// and its checksums recomputed, so that only the edit is wrong.
func editedGolden(
  _ name: String, case edit: (JSONValue) -> JSONValue = { $0 },
  tensor: String? = nil, bytes editBytes: (inout [UInt8]) -> Void = { _ in }
) throws -> SafeTensorsFile {
  let file = try SafeTensorsFile(
    contentsOf: fixturesFolder.appendingPathComponent("\(name).safetensors").path)
  var w = SafeTensorsWriter()
  for e in file.tensors {
    var raw = file.withBytes(of: e) { Array($0) }
    if e.name == tensor { editBytes(&raw) }
    try w.add(e.name, dtype: e.dtype, shape: e.shape, bytes: raw)
  }
  w.metadata = file.metadata
  let json = try JSONValue.parse(Array((file.metadata["case"] ?? "").utf8))
  w.metadata["case"] = edit(json).serialized
  w.metadata["sha256"] =
    JSONValue.object(w.checksums.map { (key: $0.name, value: JSONValue.string($0.sha256)) })
    .serialized
  return try SafeTensorsFile(bytes: Data(w.serialized()))
}

extension JSONValue {
  /// This object with `key` set to `value` (added if missing).
  func setting(_ key: String, _ value: JSONValue) -> JSONValue {
    guard case .object(var pairs) = self else { return self }
    if let i = pairs.firstIndex(where: { $0.key == key }) {
      pairs[i].value = value
    } else {
      pairs.append((key, value))
    }
    return .object(pairs)
  }
}

/// Writes `value` over element `index` of a little-endian tensor of `dtype`.
func plant(_ value: Double, at index: Int, dtype: DType, in raw: inout [UInt8]) {
  let bytes: [UInt8]
  switch dtype {
  case .f64: bytes = withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init)
  case .f32: bytes = withUnsafeBytes(of: Float(value).bitPattern.littleEndian, Array.init)
  case .f16: bytes = withUnsafeBytes(of: Float16(value).bitPattern.littleEndian, Array.init)
  default: bytes = withUnsafeBytes(of: BFloat16(value).bitPattern.littleEndian, Array.init)
  }
  for (n, b) in bytes.enumerated() { raw[index * bytes.count + n] = b }
}

@Suite("Compare: the golden file is checked first")
struct CompareGoldenCheckTests {
  /// Judging the golden's own `o` with FlashAttention's rule.
  func judge(_ file: SafeTensorsFile) throws -> Comparison {
    let g = try GoldenFile(file)
    return try Comparison.judge(
      golden: g, output: try g.file.doubles("o"), dtype: .f32, logSumExp: nil)
  }

  @Test func intactFixturePasses() throws {
    #expect(try judge(try editedGolden("sliding-window")).passed)
  }

  @Test func absurdRequestsAreATypedError() throws {
    let file = try editedGolden("decode-mha") {
      $0.setting("requests", .array([.array([.int(1 << 62), .int(0)])]))
    }
    // Refused when the golden file is read, before any size is used.
    #expect { try judge(file) } throws: { isSizeLimit($0) }
  }

  /// A typed error naming the size and its limit, whether the golden file's
  /// reader (``GoldenError``) or compare (``ComparisonError``) finds it first.
  func isSizeLimit(_ error: any Error) -> Bool {
    if case .sizeOverflow = error as? ComparisonError { return true }
    return error is GoldenError && "\(error)".contains("over the limit")
  }

  @Test func absurdHeadCountIsASizeOverflow() throws {
    let file = try editedGolden("decode-mha") {
      $0.setting("query_heads", .int(1 << 62)).setting("kv_heads", .int(1))
    }
    #expect { try judge(file) } throws: { isSizeLimit($0) }
  }

  @Test func absurdWindowIsASizeOverflow() throws {
    let file = try editedGolden("sliding-window") {
      let mask = ($0["mask"] ?? .null).setting("window_right", .int(Int.max))
      return $0.setting("mask", mask)
    }
    #expect { try judge(file) } throws: { isSizeLimit($0) }
  }

  /// NaN or ±∞ in an input, `o`, `lse` or a partial state is an error, never a NaN threshold.
  @Test(arguments: [
    ("decode-mha", "q", Double.nan), ("decode-mha", "k", .infinity),
    ("decode-mha", "v", -.infinity), ("decode-mha", "o", .nan), ("decode-mha", "lse", .nan),
    ("decode-mha", "lse", .infinity), ("decode-mha", "lse", -.infinity),
    ("decode-mha", "o_f32", .nan), ("decode-mqa", "partial_o", .nan),
    ("decode-mqa", "partial_lse", .infinity), ("paged-kv", "k_cache", .nan),
  ])
  func nonFiniteGoldenIsAnError(name: String, tensor: String, value: Double) throws {
    let dtype = try SafeTensorsFile(
      contentsOf: fixturesFolder.appendingPathComponent("\(name).safetensors").path
    ).entry(tensor).dtype
    let file = try editedGolden(name, tensor: tensor) { plant(value, at: 1, dtype: dtype, in: &$0) }
    #expect {
      try judge(file)
    } throws: { error in
      guard case .nonFiniteGolden(let t, let i, _) = error as? ComparisonError else { return false }
      return t == tensor && i == 1
    }
  }

  /// −∞ in `lse` is allowed exactly on the rows that see no key.
  @Test func negativeInfinityOnlyOnEmptyRows() throws {
    #expect(try judge(try editedGolden("fully-masked-rows")).passed)
    let file = try editedGolden("fully-masked-rows", tensor: "lse") {
      // Row 8·2 = 16 is token 8 (request 1, query 0), which sees a key.
      plant(-.infinity, at: 16, dtype: .f64, in: &$0)
    }
    #expect(throws: ComparisonError.self) { try judge(file) }
  }

  /// A candidate of another shape is an error naming both shapes; nothing is reshaped.
  @Test func shapesAreCheckedExactly() throws {
    let g = try GoldenFile(try editedGolden("decode-mqa"))
    let o = try g.file.doubles("o")
    let lse = try g.file.doubles("lse")
    let (t, h, d) = (g.problem.totalQueryTokens, g.problem.queryHeads, g.problem.headDim)
    for (oShape, lShape) in [
      ([t * h * d], [t, h]), ([t, h * d], [t, h]), ([h, t, d], [t, h]), ([t, h, d], [h, t]),
      ([t, h, d], [t, h, 1]),
    ] {
      var w = SafeTensorsWriter()
      try w.add("o", shape: oShape, values: o.map { Float($0) })
      try w.add("lse", shape: lShape, values: lse.map { Float($0) })
      let candidate = try SafeTensorsFile(bytes: Data(w.serialized()))
      #expect {
        try Comparison.judge(golden: g, candidate: candidate)
      } throws: { error in
        guard case .shapeMismatch(_, let got, let want) = error as? ComparisonError else {
          return false
        }
        let message = "\(error)"
        return (got == oShape && want == [t, h, d] || got == lShape && want == [t, h])
          && message.contains("\(got)") && message.contains("\(want)")
      }
    }
  }

  /// An F16 kernel's output saved as F32 fails at the assumed F32 precision,
  /// passes with `--dtype f16`, and a precision wider than the storage is an error.
  @Test func statedPrecision() throws {
    let g = try GoldenFile(try editedGolden("decode-mha"))
    let x = try g.inputs(as: Double.self)
    let f16 = SplitKVRecompute.compute(x, precision: .f16)
    var w = SafeTensorsWriter()
    let p = g.problem
    try w.add(
      "o", shape: [p.totalQueryTokens, p.queryHeads, p.headDim], values: f16.o.map { Float($0) })
    try w.add("lse", shape: [p.totalQueryTokens, p.queryHeads], values: f16.lse.map { Float($0) })
    let candidate = try SafeTensorsFile(bytes: Data(w.serialized()))
    let assumed = try Comparison.judge(golden: g, candidate: candidate)
    #expect(!assumed.passed && !assumed.precisionStated && assumed.precision == .f32)
    #expect(assumed.report(for: p).contains("assumed"))
    let stated = try Comparison.judge(golden: g, candidate: candidate, precision: .f16)
    #expect(stated.passed && stated.precisionStated, "\(stated.failures)")
    #expect(throws: ComparisonError.self) {
      try Comparison.judge(golden: g, candidate: candidate, precision: .f64)
    }
  }

  @Test func explicitTolerancesMustBeFinite() throws {
    let g = try GoldenFile(try editedGolden("decode-mha"))
    let o = try g.file.doubles("o")
    for policy in [TolerancePolicy.explicit(atol: .nan, rtol: 0), .explicit(atol: 0, rtol: -1)] {
      #expect(throws: ComparisonError.self) {
        try Comparison.judge(golden: g, output: o, dtype: .f32, logSumExp: nil, policy: policy)
      }
    }
  }

  @Test func jsonVerdict() throws {
    let g = try GoldenFile(try editedGolden("fully-masked-rows"))
    var o = try g.file.doubles("o")
    let good = try Comparison.judge(golden: g, output: o, dtype: .f32, logSumExp: nil)
    let j = good.json(for: g.problem)
    #expect(j["verdict"] == .string("pass") && j["lse"] == .null)
    if case .number(let s)? = j["output"]?["threshold"] {
      #expect(Double(s) == good.outputThreshold)
    } else {
      Issue.record("no numeric threshold in \(j.serialized)")
    }
    o[16 * 64 + 3] = .nan
    let bad = try Comparison.judge(golden: g, output: o, dtype: .f32, logSumExp: nil)
    let jb = bad.json(for: g.problem)
    #expect(jb["verdict"] == .string("fail") && jb["output"]?["max_abs"] == .null)
    #expect(jb["output"]?["over_bound"] == .int(1))
    #expect(jb["worst_element"]?["token"] == .int(8))
  }
}
