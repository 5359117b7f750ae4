/// How a block of query rows is computed over one window of keys.
public enum AttentionArithmetic: String, Sendable, Hashable, CaseIterable, Codable {
  /// BLAS products (OpenBLAS): fast, deterministic on one machine, but the
  /// last bits depend on the CPU's BLAS kernel.
  case blas
  /// The library's own loops in one documented order (`Docs/GoldenFiles.md`):
  /// the same bits on every machine. Golden files use it.
  case fixedOrder = "fixed-order"
}

/// The inner step of attention over one window of keys, in one of the
/// ``AttentionArithmetic`` forms; the schedule executor runs either.
protocol BlockAttentionKernel<Scalar> {
  associatedtype Scalar: BLASScalar
  init(headDim: Int, scale: Double, softCap: Double?)
  /// Normalized outputs and natural-log LSEs of `rows` rows over `columns`;
  /// key row `j` starts at `keys + j · ld` (likewise values).
  mutating func run(
    rows: Int, queries: UnsafePointer<Scalar>,
    keys: UnsafePointer<Scalar>, values: UnsafePointer<Scalar>, ld: Int,
    columns: Range<Int>, visible: UnsafeBufferPointer<Range<Int>>,
    output: UnsafeMutablePointer<Scalar>, logSumExp: UnsafeMutablePointer<Scalar>)
}

extension RowBlockAttention: BlockAttentionKernel {}

extension FixedOrderBlockAttention: BlockAttentionKernel {
  mutating func run(
    rows: Int, queries: UnsafePointer<Scalar>,
    keys: UnsafePointer<Scalar>, values: UnsafePointer<Scalar>, ld: Int,
    columns: Range<Int>, visible: UnsafeBufferPointer<Range<Int>>,
    output: UnsafeMutablePointer<Scalar>, logSumExp: UnsafeMutablePointer<Scalar>
  ) {
    run(
      rows: rows, queries: queries,
      kv: KeyValueRows(keys: keys, values: values, first: 0, stride: ld),
      columns: columns, visible: visible, output: output, logSumExp: logSumExp)
  }
}
