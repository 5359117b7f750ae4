extension JSONValue {
  /// Parses one JSON value from UTF-8 bytes (RFC 8259), rejecting duplicate object keys.
  ///
  /// Whitespace may surround the value; anything else after it is an error.
  ///
  /// - Throws: ``SafeTensorsError/invalidHeader(reason:)`` for malformed JSON,
  ///   ``SafeTensorsError/duplicateName(_:)`` for a key that repeats in one object.
  /// - Complexity: O(n) in the number of bytes.
  public static func parse(_ bytes: some Collection<UInt8>) throws(SafeTensorsError) -> JSONValue {
    var parser = JSONParser(bytes: Array(bytes))
    parser.skipWhitespace()
    let value = try parser.value(depth: 0)
    parser.skipWhitespace()
    guard parser.index == parser.bytes.count else {
      throw parser.error("unexpected text after the JSON value")
    }
    return value
  }
}

/// A recursive-descent JSON parser over a byte array.
struct JSONParser {
  let bytes: [UInt8]
  var index = 0
  /// Nesting deeper than this is rejected instead of exhausting the stack.
  static let maxDepth = 64

  init(bytes: [UInt8]) { self.bytes = bytes }

  func error(_ what: String) -> SafeTensorsError {
    .invalidHeader(reason: "\(what) at byte \(index) of the header")
  }

  mutating func skipWhitespace() {
    while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
  }

  mutating func expect(_ literal: String) throws(SafeTensorsError) {
    for b in literal.utf8 {
      guard index < bytes.count, bytes[index] == b else { throw error("expected \"\(literal)\"") }
      index += 1
    }
  }

  mutating func value(depth: Int) throws(SafeTensorsError) -> JSONValue {
    guard depth < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth)") }
    guard index < bytes.count else { throw error("unexpected end of JSON") }
    switch bytes[index] {
    case UInt8(ascii: "{"): return try object(depth: depth)
    case UInt8(ascii: "["): return try array(depth: depth)
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"):
      try expect("true")
      return .bool(true)
    case UInt8(ascii: "f"):
      try expect("false")
      return .bool(false)
    case UInt8(ascii: "n"):
      try expect("null")
      return .null
    default: return .number(try number())
    }
  }

  mutating func object(depth: Int) throws(SafeTensorsError) -> JSONValue {
    index += 1
    var pairs: [(key: String, value: JSONValue)] = []
    var seen = Set<String>()
    skipWhitespace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
      index += 1
      return .object(pairs)
    }
    while true {
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
        throw error("expected a string key")
      }
      let key = try string()
      guard seen.insert(key).inserted else { throw .duplicateName(key) }
      skipWhitespace()
      try expect(":")
      skipWhitespace()
      pairs.append((key, try value(depth: depth + 1)))
      skipWhitespace()
      guard index < bytes.count else { throw error("unterminated object") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
      } else if bytes[index] == UInt8(ascii: "}") {
        index += 1
        return .object(pairs)
      } else {
        throw error("expected ',' or '}'")
      }
    }
  }

  mutating func array(depth: Int) throws(SafeTensorsError) -> JSONValue {
    index += 1
    var items: [JSONValue] = []
    skipWhitespace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
      index += 1
      return .array(items)
    }
    while true {
      skipWhitespace()
      items.append(try value(depth: depth + 1))
      skipWhitespace()
      guard index < bytes.count else { throw error("unterminated array") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
      } else if bytes[index] == UInt8(ascii: "]") {
        index += 1
        return .array(items)
      } else {
        throw error("expected ',' or ']'")
      }
    }
  }

  mutating func hex4() throws(SafeTensorsError) -> UInt32 {
    guard index + 4 <= bytes.count else { throw error("short \\u escape") }
    var v: UInt32 = 0
    for _ in 0..<4 {
      let c = bytes[index]
      let digit: UInt32
      switch c {
      case 0x30...0x39: digit = UInt32(c - 0x30)
      case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
      case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
      default: throw error("bad hex digit in \\u escape")
      }
      v = v << 4 | digit
      index += 1
    }
    return v
  }

  mutating func string() throws(SafeTensorsError) -> String {
    index += 1
    var out: [UInt8] = []
    while true {
      guard index < bytes.count else { throw error("unterminated string") }
      let c = bytes[index]
      index += 1
      switch c {
      case UInt8(ascii: "\""):
        // The header was checked to be UTF-8, and escapes produce valid scalars.
        return String(decoding: out, as: UTF8.self)
      case UInt8(ascii: "\\"):
        guard index < bytes.count else { throw error("unterminated escape") }
        let e = bytes[index]
        index += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
          var scalar = try hex4()
          if (0xD800..<0xDC00).contains(scalar) {
            try expect("\\u")
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          }
          guard let u = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
          out.append(contentsOf: Array(String(Character(u)).utf8))
        default: throw error("invalid escape")
        }
      case 0..<0x20: throw error("control character in string")
      default: out.append(c)
      }
    }
  }

  mutating func number() throws(SafeTensorsError) -> String {
    let start = index
    func digits(_ p: inout JSONParser) -> Int {
      let s = p.index
      while p.index < p.bytes.count, (0x30...0x39).contains(p.bytes[p.index]) { p.index += 1 }
      return p.index - s
    }
    if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
    let intStart = index
    guard digits(&self) > 0 else { throw error("invalid value") }
    if bytes[intStart] == UInt8(ascii: "0"), index - intStart > 1 {
      throw error("leading zero in number")
    }
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      index += 1
      guard digits(&self) > 0 else { throw error("digits expected after '.'") }
    }
    if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
      index += 1
      if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")
      {
        index += 1
      }
      guard digits(&self) > 0 else { throw error("digits expected in exponent") }
    }
    return String(decoding: bytes[start..<index], as: UTF8.self)
  }
}
