/// A JSON value whose objects keep their keys in order.
///
/// The safetensors header needs two things Foundation's `JSONSerialization`
/// does not give: duplicate keys must be an error (not "last one wins"), and
/// written headers must be byte-for-byte reproducible. Numbers keep their
/// source text, so integers of any size are read without passing through `Double`.
public indirect enum JSONValue: Hashable, Sendable {
  /// JSON `null`.
  case null
  /// JSON `true` or `false`.
  case bool(Bool)
  /// A number, as its JSON text.
  case number(String)
  /// A string, unescaped.
  case string(String)
  /// An array, in document order.
  case array([JSONValue])
  /// Key–value pairs in document order; keys are unique.
  case object([(key: String, value: JSONValue)])

  /// Structural equality; objects are equal only with the same keys in the same order,
  /// and numbers only with the same text (`1` and `1.0` differ).
  public static func == (a: JSONValue, b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.number(let x), .number(let y)): return x == y
    case (.string(let x), .string(let y)): return x == y
    case (.array(let x), .array(let y)): return x == y
    case (.object(let x), .object(let y)):
      return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    default: return false
    }
  }

  /// Hashes the value consistently with ``==(_:_:)``: key order and number text count.
  public func hash(into h: inout Hasher) {
    switch self {
    case .null: h.combine(0)
    case .bool(let x): h.combine(x)
    case .number(let x): h.combine(x)
    case .string(let x): h.combine(x)
    case .array(let x): h.combine(x)
    case .object(let x):
      for (k, v) in x {
        h.combine(k)
        h.combine(v)
      }
    }
  }

  /// The value of `key` in an object, or `nil`.
  public subscript(key: String) -> JSONValue? {
    guard case .object(let pairs) = self else { return nil }
    return pairs.first { $0.key == key }?.value
  }

  /// The string, if this is a string.
  public var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  /// The integer, if this is a number written as an integer that fits in `Int`.
  public var intValue: Int? {
    if case .number(let s) = self { return Int(s) }
    return nil
  }

  /// The number as a `Double`, if this is a number.
  public var doubleValue: Double? {
    if case .number(let s) = self { return Double(s) }
    return nil
  }

  /// The elements, if this is an array.
  public var arrayValue: [JSONValue]? {
    if case .array(let a) = self { return a }
    return nil
  }
}
