import FileIntegrity
import Foundation
import SafeTensors
import Testing

/// The safetensors reader and writer: round trips, and one test per malformation.
@Suite("SafeTensors")
struct SafeTensorsTests {
  /// A file assembled by hand: the header text is written out in each test, so
  /// these tests do not depend on the writer.
  func file(header: String, data: [UInt8], declaredLength: UInt64? = nil) -> Data {
    var bytes: [UInt8] = []
    let h = Array(header.utf8)
    let n = declaredLength ?? UInt64(h.count)
    for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(i)))) }
    return Data(bytes + h + data)
  }

  func expect(_ expected: SafeTensorsError, mentions: String, _ data: Data) {
    do {
      _ = try SafeTensorsFile(bytes: data)
      Issue.record("expected \(expected)")
    } catch {
      #expect(error == expected)
      #expect(error.description.contains(mentions), "\(error.description)")
    }
  }

  @Test func readsHandWrittenFile() throws {
    // F32 [2] = (1, -2), then I32 [1] = 7, header padded with spaces.
    let data: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0, 7, 0, 0, 0]
    let header =
      #"{"__metadata__":{"k":"v"},"b":{"dtype":"I32","shape":[1],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}   "#
    let f = try SafeTensorsFile(bytes: file(header: header, data: data))
    #expect(f.metadata == ["k": "v"])
    #expect(f.tensors.map(\.name) == ["a", "b"])
    #expect(try f.values("a", as: Float.self) == [1, -2])
    #expect(try f.values("b", as: Int32.self) == [7])
    #expect(try f.doubles("a") == [1, -2])
  }

  @Test func roundTripsEveryDType() throws {
    var w = SafeTensorsWriter()
    w.metadata = ["note": "round trip \"quoted\" \u{1F600}"]
    try w.add("bool", shape: [3], values: [true, false, true])
    try w.add("u8", shape: [2], values: [UInt8(0), 255])
    try w.add("i32", shape: [2], values: [Int32.min, Int32.max])
    try w.add("i64", shape: [1], values: [Int64.min])
    try w.add("f16", shape: [2], values: [Float16(1.5), -Float16.infinity])
    try w.add("bf16", dtype: .bf16, shape: [1], bytes: [0x80, 0x3F])  // 1.0
    try w.add("f32", shape: [2, 1], values: [Float.pi, -0.0])
    try w.add("f64", shape: [], values: [Double.ulpOfOne])
    try w.add("empty", shape: [0, 4], values: [Float]())
    let bytes = w.serialized()
    let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.1) << (8 * $1.0) }
    #expect((8 + headerLength) % 8 == 0, "data must start 8-aligned")
    let f = try SafeTensorsFile(bytes: Data(bytes))
    #expect(f.metadata == w.metadata)
    #expect(try f.values("bool", as: Bool.self) == [true, false, true])
    #expect(try f.values("u8", as: UInt8.self) == [0, 255])
    #expect(try f.values("i32", as: Int32.self) == [Int32.min, Int32.max])
    #expect(try f.values("i64", as: Int64.self) == [Int64.min])
    #expect(try f.values("f16", as: Float16.self) == [1.5, -.infinity])
    #expect(try f.doubles("bf16") == [1])
    #expect(
      try f.values("f32", as: Float.self).map(\.bitPattern) == [
        Float.pi.bitPattern, (-0.0 as Float).bitPattern,
      ])
    #expect(try f.values("f64", as: Double.self) == [Double.ulpOfOne])
    #expect(try f.entry("empty").shape == [0, 4])
    #expect(try f.entry("f64").shape == [])
  }

  @Test func writerRejectsDuplicatesAndShapeMismatch() throws {
    var w = SafeTensorsWriter()
    try w.add("a", shape: [1], values: [Float(1)])
    #expect(throws: SafeTensorsError.duplicateName("a")) {
      try w.add("a", shape: [1], values: [Float(1)])
    }
    #expect(throws: SafeTensorsError.duplicateName("__metadata__")) {
      try w.add("__metadata__", shape: [1], values: [Float(1)])
    }
    #expect(throws: SafeTensorsError.self) { try w.add("b", shape: [3], values: [Float(1)]) }
  }

  @Test func truncated() { expect(.truncated(size: 5), mentions: "8-byte", Data([1, 2, 3, 4, 5])) }

  @Test func headerLengthOverLimit() {
    let d = file(header: "{}", data: [], declaredLength: 100_000_001)
    expect(.headerLength(declared: 100_000_001, fileSize: d.count), mentions: "100000000", d)
  }

  @Test func headerLengthPastFile() {
    let d = file(header: "{}", data: [], declaredLength: 64)
    expect(.headerLength(declared: 64, fileSize: d.count), mentions: "fit in the file", d)
  }

  @Test func invalidUTF8() {
    var d = file(header: #"{"a":"xx"}"#, data: [])
    d[8 + 6] = 0xFF
    expect(.invalidUTF8(byteOffset: 6), mentions: "UTF-8", d)
  }

  @Test func invalidJSON() throws {
    for bad in [#"{"a":}"#, #"{"a":1,}"#, #"{"a" 1}"#, #"{"a":01}"#, #"{"a":"\x"}"#, "{} x", "[1]"]
    {
      do {
        _ = try SafeTensorsFile(bytes: file(header: bad, data: []))
        Issue.record("accepted \(bad)")
      } catch {
        guard case .invalidHeader = error else {
          Issue.record("\(bad): \(error)")
          continue
        }
      }
    }
  }

  // The reference reader (safetensors 0.8) accepts these; so does this one.
  @Test func acceptsWhatTheReferenceAccepts() throws {
    let u8 = #""a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]"#
    for header in [
      " \n\t{" + u8 + "}}", #"{"__metadata__":null,"# + u8 + "}}",
      "{" + u8 + #","extra":[1,{"x":2}]}}"#,
    ] {
      let f = try SafeTensorsFile(bytes: file(header: header, data: [7]))
      #expect(f.tensors.map(\.name) == ["a"], "\(header)")
      #expect(f.withBytes(of: f.tensors[0]) { Array($0) } == [7])
    }
  }

  // Shapes and offsets are unsigned integers: -0, 1.0 and 1e0 are not (as the reference).
  @Test func rejectsSignedOrFractionalSizes() {
    for (shape, offsets) in [("-0", "0,0"), ("0", "-0,0"), ("0", "0,-0"), ("1.0", "0,1"), ("1e0", "0,1")] {
      let h = #"{"a":{"dtype":"U8","shape":["# + shape + #"],"data_offsets":["# + offsets + "]}}"
      #expect(throws: SafeTensorsError.self, "\(h)") {
        try SafeTensorsFile(bytes: file(header: h, data: shape == "0" || shape == "-0" ? [] : [1]))
      }
    }
  }

  // Sub-byte dtypes: elements · bits must end on a byte, as the reference requires.
  @Test func subByteDTypes() throws {
    for (dtype, count, bytes, ok) in [
      ("F4", 2, 1, true), ("F4", 1, 1, false), ("F6_E2M3", 4, 3, true), ("F6_E3M2", 2, 2, false),
      ("F8_E8M0", 3, 3, true), ("C64", 1, 8, true), ("F8_E4M3FNUZ", 2, 2, true),
    ] {
      let h = #"{"a":{"dtype":""# + dtype + #"","shape":["# + "\(count)" + #"],"data_offsets":[0,"# + "\(bytes)]}}"
      let d = file(header: h, data: [UInt8](repeating: 1, count: bytes))
      if ok {
        #expect(try SafeTensorsFile(bytes: d).tensors[0].byteRange == 0..<bytes, "\(dtype)")
      } else {
        #expect(throws: SafeTensorsError.self, "\(dtype) × \(count)") { try SafeTensorsFile(bytes: d) }
      }
    }
  }

  @Test func duplicateTensorName() {
    let h =
      #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#
    expect(.duplicateName("a"), mentions: "more than once", file(header: h, data: [1, 2]))
  }

  @Test func duplicateMetadataKey() {
    let h = #"{"__metadata__":{"x":"1","x":"2"}}"#
    expect(.duplicateName("x"), mentions: "unique", file(header: h, data: []))
  }

  @Test func unknownDType() {
    let h = #"{"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}"#
    expect(
      .unknownDType(tensor: "a", dtype: "f32"), mentions: "BF16", file(header: h, data: [0, 0, 0, 0]))
  }

  @Test func overlappingOffsets() {
    let h =
      #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}"#
    expect(
      .invalidOffsets(
        tensor: "b", reason: "bytes 1..<3 overlap the previous tensor, which ends at 2"),
      mentions: "overlap", file(header: h, data: [0, 0, 0]))
  }

  @Test func holeBetweenTensors() {
    let h =
      #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}"#
    expect(
      .invalidOffsets(
        tensor: "b", reason: "starts at 2 but the previous tensor ends at 1; holes are not allowed"),
      mentions: "holes", file(header: h, data: [0, 0, 0]))
  }

  @Test func offsetsPastFile() {
    let h = #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#
    expect(
      .invalidOffsets(tensor: "a", reason: "ends at 4, past the 2-byte data section"),
      mentions: "past",
      file(header: h, data: [0, 0]))
  }

  @Test func offsetsDisagreeWithShape() {
    let h = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#
    expect(
      .invalidOffsets(tensor: "a", reason: "holds 4 bytes but shape [2] of F32 needs 8"),
      mentions: "needs 8",
      file(header: h, data: [0, 0, 0, 0]))
  }

  @Test func trailingBytes() {
    let h = #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#
    expect(
      .trailingBytes(count: 2), mentions: "after the last tensor", file(header: h, data: [0, 0, 0]))
  }

  @Test func typedAccessorsCheckDType() throws {
    let h = #"{"a":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}"#
    let f = try SafeTensorsFile(bytes: file(header: h, data: [1, 0, 0, 0]))
    #expect(throws: SafeTensorsError.self) { try f.values("a", as: Float.self) }
    #expect(throws: SafeTensorsError.self) { try f.doubles("a") }
    #expect(throws: SafeTensorsError.missingTensor("b")) { try f.entry("b") }
  }

  @Test func atomicWriteReplacesAndLeavesNoTemporary() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("x.safetensors").path
    for value in [Float(1), 2] {
      var w = SafeTensorsWriter()
      try w.add("a", shape: [1], values: [value])
      try w.write(to: path)
      #expect(try SafeTensorsFile(contentsOf: path).values("a", as: Float.self) == [value])
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["x.safetensors"])
    #expect(throws: SafeTensorsError.self) {
      try SafeTensorsWriter().write(to: dir.path + "/missing/x")
    }
  }
}

@Suite("JSON")
struct JSONTests {
  @Test func parsesEscapesAndNumbers() throws {
    let v = try JSONValue.parse(
      Array(
        #" {"s":"a\"b\\\n\u00e9\ud83d\ude00","n":[-1.5e3,0,12345678901234567890],"t":true,"z":null} "#
          .utf8))
    #expect(v["s"]?.stringValue == "a\"b\\\né😀")
    #expect(v["n"]?.arrayValue?.map(\.doubleValue) == [-1500, 0, Double("12345678901234567890")])
    #expect(v["t"] == .bool(true) && v["z"] == .null)
    // Serializing and parsing again is the identity.
    #expect(try JSONValue.parse(Array(v.serialized.utf8)) == v)
  }

  @Test func rejectsDeepNesting() {
    let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
    #expect(throws: SafeTensorsError.self) { try JSONValue.parse(Array(deep.utf8)) }
  }
}

@Suite("SHA-256")
struct SHA256Tests {
  func hex(_ s: String) -> String {
    var h = SHA256()
    h.update(Array(s.utf8))
    return h.hexDigest
  }

  // FIPS 180-2 appendix B and the empty-message digest.
  @Test func nistVectors() {
    #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    var h = SHA256()
    let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
    for _ in 0..<1000 { h.update(chunk) }
    #expect(h.hexDigest == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test func incrementalEqualsOneShot() {
    let message = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    let whole = message.withUnsafeBytes { SHA256.hex($0) }
    for cut in [0, 1, 55, 56, 63, 64, 65, 128, 299] {
      var h = SHA256()
      h.update(message[..<cut])
      h.update(message[cut...])
      #expect(h.hexDigest == whole, "cut at \(cut)")
    }
  }
}
