/// The base of a log-sum-exp value.
public enum LogBase: String, Hashable, Sendable, Codable, CaseIterable {
  /// Natural log: `LSE = log Σ exp(s)`. The library's convention.
  case natural
  /// Base 2: `LSE₂ = log₂ Σ 2^(s·log₂e) = LSE / ln 2`, as FlashInfer stores it.
  case two

  /// Converts a natural-log LSE to this base.
  @inlinable
  public func fromNatural<T: BinaryFloatingPoint>(_ lse: T) -> T {
    self == .natural ? lse : lse * T(1.4426950408889634073599246810018921)
  }

  /// Converts an LSE in this base to natural log.
  @inlinable
  public func toNatural<T: BinaryFloatingPoint>(_ lse: T) -> T {
    self == .natural ? lse : lse * T(0.6931471805599453094172321214581766)
  }
}

/// The result of attention: output `O [totalQ, Hq, D]` and `LSE [totalQ, Hq]`.
///
/// A fully masked row (or a request with no keys) has `O = 0` and `LSE = −∞`.
public struct AttentionOutput<Scalar: BLASScalar>: Sendable {
  /// `O [totalQ, Hq, D]`.
  public var output: Tensor<Scalar>
  /// Natural-log `LSE [totalQ, Hq]`.
  public var logSumExp: Tensor<Scalar>

  /// Wraps an output and its log-sum-exp; the shapes are not checked here.
  ///
  /// - Parameters:
  ///   - output: `O [totalQ, Hq, D]`.
  ///   - logSumExp: natural-log `LSE [totalQ, Hq]`.
  public init(output: Tensor<Scalar>, logSumExp: Tensor<Scalar>) {
    self.output = output
    self.logSumExp = logSumExp
  }

  /// The log-sum-exp in the given base (−∞ stays −∞).
  public func logSumExp(base: LogBase) -> Tensor<Scalar> {
    Tensor(uncheckedShape: logSumExp.shape, storage: logSumExp.storage.map(base.fromNatural))
  }
}
