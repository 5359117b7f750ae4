import COpenBLAS
import RealModule

/// A floating-point type attention can be computed in: `Float` or `Double`.
///
/// It adds to `Real` (exp, log, tanh from swift-numerics) and the library's
/// portable elementary functions the BLAS routines
/// attention needs: matrix products for blocks of query rows, and the
/// matrix-vector and dot forms for single query rows.
public protocol BLASScalar: PortableElementaryFunctions & StorageScalar & SIMDScalar & Codable {
  /// `C = alpha · A · op(B) + beta · C` with row-major `A` (`m × k`) and `C` (`m × n`);
  /// `op(B)` is `Bᵀ` (B stored `n × k`) when `transposeB`, else B (`k × n`).
  static func gemm(
    m: Int, n: Int, k: Int, alpha: Self,
    a: UnsafePointer<Self>, lda: Int,
    b: UnsafePointer<Self>, ldb: Int, transposeB: Bool,
    beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

  /// `y = alpha · op(A) · x + beta · y` with row-major `A` (`m × n`);
  /// `op(A)` is `Aᵀ` when `transpose`.
  static func gemv(
    m: Int, n: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int, transpose: Bool,
    x: UnsafePointer<Self>, beta: Self, y: UnsafeMutablePointer<Self>)

  /// The dot product `x · y` of two contiguous vectors of `count` elements.
  static func dot(count: Int, _ x: UnsafePointer<Self>, _ y: UnsafePointer<Self>) -> Self

  /// `buffer[i] = exp(buffer[i] − shift)` for every `i`, returning the sum of the results.
  ///
  /// Both use the library's `VectorExp`: Float within 2 ulp, Double within 1 ulp.
  static func expSubtracting(_ shift: Self, _ buffer: UnsafeMutablePointer<Self>, count: Int)
    -> Self

  /// The largest non-NaN element of `buffer[0..<count]`, or −∞ when there is none.
  ///
  /// NaNs are skipped here on purpose: the caller's `exp(s − max)` turns them
  /// into a NaN output for their row.
  static func maximum(_ buffer: UnsafePointer<Self>, count: Int) -> Self
}

extension Float: BLASScalar {
  @inlinable
  public static func gemm(
    m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int, transposeB: Bool, beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    OpenBLAS.configure()
    cblas_sgemm(
      CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
      blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c,
      blasint(ldc))
  }
}

extension Float {
  @inlinable
  public static func gemv(
    m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int, transpose: Bool,
    x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>
  ) {
    OpenBLAS.configure()
    cblas_sgemv(
      CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, blasint(m), blasint(n), alpha, a,
      blasint(lda), x, 1, beta, y, 1)
  }

  @inlinable
  public static func dot(count: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float
  {
    OpenBLAS.configure()
    return cblas_sdot(blasint(count), x, 1, y, 1)
  }

  public static func expSubtracting(
    _ shift: Float, _ buffer: UnsafeMutablePointer<Float>, count: Int
  ) -> Float {
    VectorExp.expSubtracting(shift, buffer, count: count)
  }

  public static func maximum(_ buffer: UnsafePointer<Float>, count: Int) -> Float {
    VectorExp.maximum(buffer, count: count)
  }
}

extension Double {
  @inlinable
  public static func gemv(
    m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int, transpose: Bool,
    x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>
  ) {
    OpenBLAS.configure()
    cblas_dgemv(
      CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, blasint(m), blasint(n), alpha, a,
      blasint(lda), x, 1, beta, y, 1)
  }

  @inlinable
  public static func dot(count: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>)
    -> Double
  {
    OpenBLAS.configure()
    return cblas_ddot(blasint(count), x, 1, y, 1)
  }

  public static func expSubtracting(
    _ shift: Double, _ buffer: UnsafeMutablePointer<Double>, count: Int
  ) -> Double {
    VectorExp.expSubtracting(shift, buffer, count: count)
  }

  public static func maximum(_ buffer: UnsafePointer<Double>, count: Int) -> Double {
    VectorExp.maximum(buffer, count: count)
  }

}

extension Double: BLASScalar {
  @inlinable
  public static func gemm(
    m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
    b: UnsafePointer<Double>, ldb: Int, transposeB: Bool, beta: Double,
    c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    OpenBLAS.configure()
    cblas_dgemm(
      CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
      blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c,
      blasint(ldc))
  }
}

/// One-time OpenBLAS setup.
public enum OpenBLAS {
  /// Pins OpenBLAS to one thread per call.
  ///
  /// The library parallelizes over independent work items itself, each with a
  /// fixed size, so results do not depend on how many threads OpenBLAS would
  /// have picked: the same inputs give bitwise the same output everywhere.
  @usableFromInline static let configured: Bool = {
    openblas_set_num_threads(1)
    return true
  }()

  @inlinable static func configure() { _ = configured }
}

extension BLASScalar {
  /// `C = alpha · A · Bᵀ` for row-major `A` (`m × k`), `B` (`n × k`) and `C` (`m × n`).
  ///
  /// One row (`m == 1`, MHA decode) is a matrix-vector product: `gemm` would
  /// first pack all of `B`, which for a long KV panel costs a second read.
  @inlinable
  static func multiplyByTranspose(
    m: Int, n: Int, k: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
    b: UnsafePointer<Self>, ldb: Int, c: UnsafeMutablePointer<Self>, ldc: Int
  ) {
    if m == 1 {
      gemv(m: n, n: k, alpha: alpha, a: b, lda: ldb, transpose: false, x: a, beta: 0, y: c)
    } else {
      gemm(
        m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, transposeB: true,
        beta: 0, c: c, ldc: ldc)
    }
  }

  /// `C = A · B + beta · C` for row-major `A` (`m × k`), `B` (`k × n`) and `C` (`m × n`);
  /// one row goes through `gemv` for the same reason.
  @inlinable
  static func multiply(
    m: Int, n: Int, k: Int, a: UnsafePointer<Self>, lda: Int,
    b: UnsafePointer<Self>, ldb: Int, beta: Self = 0, c: UnsafeMutablePointer<Self>,
    ldc: Int
  ) {
    if m == 1 {
      gemv(m: k, n: n, alpha: 1, a: b, lda: ldb, transpose: true, x: a, beta: beta, y: c)
    } else {
      gemm(
        m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb, transposeB: false,
        beta: beta, c: c, ldc: ldc)
    }
  }
}
