/// A floating-point element type that tensors can be stored in.
///
/// Storage types only need exact widening to `Double` and correctly rounded
/// narrowing from it; arithmetic happens in `Float` or `Double` (see
/// ``BLASScalar``). That is why ``BFloat16``, which has no arithmetic of its
/// own here, is a storage type.
public protocol StorageScalar: Sendable, Hashable {
  /// The value rounded to nearest, ties to even, from a `Double`; NaN stays NaN.
  init(roundingFrom value: Double)
  /// The value widened exactly to `Double`.
  var doubleValue: Double { get }
  /// The value as a `Float` (exact for every storage type narrower than `Double`).
  var floatValue: Float { get }
}

extension Float: StorageScalar {
  @inlinable public init(roundingFrom value: Double) { self = Float(value) }
  @inlinable public var doubleValue: Double { Double(self) }
  @inlinable public var floatValue: Float { self }
}

extension Double: StorageScalar {
  @inlinable public init(roundingFrom value: Double) { self = value }
  @inlinable public var doubleValue: Double { self }
  @inlinable public var floatValue: Float { Float(self) }
}

extension Float16: StorageScalar {
  // One correctly rounded step from Double, never through Float, so there
  // is no double rounding (`init(nearestTo:)`, tested against Float16(_:)).
  @inlinable public init(roundingFrom value: Double) { self.init(nearestTo: value) }
  @inlinable public var doubleValue: Double { Double(self) }
  @inlinable public var floatValue: Float { Float(self) }
}
