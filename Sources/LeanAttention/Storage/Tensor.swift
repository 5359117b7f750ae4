/// A dense, C-ordered (row-major) array with a shape.
///
/// The storage is a plain Swift array; the tensor adds only the shape and the
/// check that the two agree.
public struct Tensor<Element: Sendable>: Sendable {
  /// The extent of each dimension, outermost first.
  public let shape: [Int]
  /// The elements, last dimension fastest.
  public var storage: [Element]

  /// Wraps `storage` as a tensor of `shape`.
  ///
  /// - Throws: ``AttentionError/storageCountMismatch(tensor:shape:count:)`` when
  ///   the element count is not the product of the shape, or a dimension is negative.
  public init(shape: [Int], storage: [Element], name: String = "tensor") throws(AttentionError) {
    guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == storage.count else {
      throw .storageCountMismatch(tensor: name, shape: shape, count: storage.count)
    }
    self.shape = shape
    self.storage = storage
  }

  /// A tensor of `shape` filled with `value`.
  public init(shape: [Int], repeating value: Element) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
    self.shape = shape
    self.storage = Array(repeating: value, count: shape.reduce(1, *))
  }

  /// The number of elements.
  @inlinable public var count: Int { storage.count }

  /// Checks that the tensor has `expected` shape.
  func requireShape(_ expected: [Int], name: String) throws(AttentionError) {
    guard shape == expected else {
      throw .shapeMismatch(tensor: name, expected: expected, actual: shape)
    }
  }
}

extension Tensor: Equatable where Element: Equatable {}

extension Tensor where Element: StorageScalar {
  /// The tensor with every element converted to another storage type, rounding to nearest.
  public func converted<Other: StorageScalar>(to: Other.Type = Other.self) -> Tensor<Other> {
    if Element.self == Other.self { return unsafeBitCast(self, to: Tensor<Other>.self) }
    // The shape is unchanged, so the count check cannot fail.
    return Tensor<Other>(
      uncheckedShape: shape, storage: storage.map { Other(roundingFrom: $0.doubleValue) })
  }
}

extension Tensor {
  /// Internal initializer for shapes the caller has already derived from the storage.
  package init(uncheckedShape shape: [Int], storage: [Element]) {
    self.shape = shape
    self.storage = storage
  }
}
