/// Keys and values in the compute type, packed varlen `[totalKV, Hkv, D]`.
///
/// When the inputs are already contiguous and stored in the compute type the
/// arrays are shared, not copied; otherwise they are converted (and a paged
/// cache gathered) once, so the work items that follow read plain strided panels.
struct PackedKeyValues<Scalar: BLASScalar>: Sendable {
  let keys: [Scalar]
  let values: [Scalar]

  init<Element: StorageScalar>(_ inputs: AttentionInputs<Element>) {
    if case .contiguous(let k, let v) = inputs.keyValues, Element.self == Scalar.self {
      // The same type: share the arrays. (`as? [Scalar]` would cast element by element.)
      keys = unsafeBitCast(k.storage, to: [Scalar].self)
      values = unsafeBitCast(v.storage, to: [Scalar].self)
      return
    }
    switch inputs.keyValues {
    case .contiguous(let k, let v):
      keys = k.storage.map { Scalar($0.doubleValue) }
      values = v.storage.map { Scalar($0.doubleValue) }
    case .paged(let k, let v, let table):
      (keys, values) = Self.gather(
        inputs.problem, k.storage, v.storage, pages: (k.shape[1], table))
    }
  }

  /// Copies a paged cache into packed order, converting as it goes.
  private static func gather<Element: StorageScalar>(
    _ p: AttentionProblem, _ k: [Element], _ v: [Element], pages: (size: Int, table: [[Int32]])
  ) -> ([Scalar], [Scalar]) {
    let row = p.kvHeads * p.headDim
    var kOut = [Scalar](repeating: 0, count: p.totalKVTokens * row)
    var vOut = kOut
    for b in 0..<p.batchSize {
      for j in 0..<p.requests[b].kvLength {
        let src = p.kvStorageRow(request: b, token: j, pages: pages) * row
        let dst = p.kvStorageRow(request: b, token: j) * row
        for e in 0..<row {
          kOut[dst + e] = Scalar(k[src + e].doubleValue)
          vOut[dst + e] = Scalar(v[src + e].doubleValue)
        }
      }
    }
    return (kOut, vOut)
  }
}
