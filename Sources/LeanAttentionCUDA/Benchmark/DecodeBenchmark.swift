import Foundation
import LeanAttention

/// Timing of decode calls on the GPU under the rules of `leanattn bench cuda`.
///
/// - CUDA events around every call after a warm-up; the median of the calls.
/// - K/V rotate among enough device copies that L2 never serves a repeat.
/// - A call is everything the schedule costs: the segment launch and, for
///   combine-pass schedules, the combine launch (lean needs no flag reset).
/// - The reference bandwidth is a device-to-device copy timed in the same process.
public enum DecodeBenchmark {
  /// One schedule's timing.
  public struct Timing: Sendable, Hashable {
    /// Median microseconds per call.
    public var medianMicroseconds: Double
    /// Fastest call, microseconds.
    public var minMicroseconds: Double
    /// Slowest call, microseconds.
    public var maxMicroseconds: Double
    /// Calls timed.
    public var calls: Int
    /// K/V sets rotated among.
    public var keyValueSets: Int

    /// A timing with every field given.
    public init(
      medianMicroseconds: Double, minMicroseconds: Double, maxMicroseconds: Double, calls: Int,
      keyValueSets: Int
    ) {
      self.medianMicroseconds = medianMicroseconds
      self.minMicroseconds = minMicroseconds
      self.maxMicroseconds = maxMicroseconds
      self.calls = calls
      self.keyValueSets = keyValueSets
    }
  }

  /// The fewest bytes a decode call must move: every visible key and value
  /// row of every KV head, every query row and every output row, in the
  /// storage type (`elementBytes` each).
  ///
  /// - Complexity: O(requests).
  public static func bytesMoved(_ p: AttentionProblem, elementBytes: Int) -> Double {
    var keys = 0.0
    for b in 0..<p.batchSize {
      for i in 0..<p.requests[b].queryLength {
        keys += Double(p.visibleKeys(request: b, query: i).count)
      }
    }
    let kv = 2 * keys * Double(p.kvHeads * p.headDim)
    let qo = 2 * Double(p.totalQueryTokens * p.queryHeads * p.headDim)
    return (kv + qo) * Double(elementBytes)
  }

  /// K/V sets so that, between two uses of one set, at least twice the L2
  /// capacity of other K/V passes through it (1 when one set is that large).
  public static func keyValueSets(keyValueBytes: Int, l2Bytes: Int) -> Int {
    guard keyValueBytes > 0, keyValueBytes < 2 * l2Bytes else { return 1 }
    return min(256, (2 * l2Bytes + keyValueBytes - 1) / keyValueBytes + 1)
  }

  /// Times `launch`: `warmUp` untimed calls, then `calls` calls each between
  /// two events, rotating among `keyValueSets(…)` copies of K and V.
  ///
  /// - Throws: a failing driver call, or the launch's own error.
  public static func time(
    _ launch: DecodeLaunch, calls: Int = 100, warmUp: Int = 10, l2Bytes: Int = 50_000_000
  ) throws(CUDAError) -> Timing {
    let sets = keyValueSets(keyValueBytes: launch.keyValueBytes, l2Bytes: l2Bytes)
    try launch.rotate(among: sets)
    let driver = launch.executor.device.driver
    for i in 0..<max(1, warmUp) { try launch.enqueue(keyValueSet: i) }
    try launch.finish()
    var events: [CUDAEvent] = []
    for _ in 0..<(calls + 1) { events.append(try CUDAEvent(driver)) }
    // Back-to-back calls: call i runs between events i and i + 1. The spin
    // keeps the GPU busy while the host queues them, so no host gap is timed.
    try launch.executor.spin(nanoseconds: Int64(max(5_000_000, calls * 50_000)))
    try events[0].record()
    for i in 0..<calls {
      try launch.enqueue(keyValueSet: warmUp + i)
      try events[i + 1].record()
    }
    try launch.finish()
    var us: [Double] = []
    for i in 0..<calls { us.append(try events[i + 1].milliseconds(since: events[i]) * 1000) }
    us.sort()
    let median =
      us.count % 2 == 1 ? us[us.count / 2] : (us[us.count / 2 - 1] + us[us.count / 2]) / 2
    return Timing(
      medianMicroseconds: median, minMicroseconds: us.first ?? 0, maxMicroseconds: us.last ?? 0,
      calls: calls, keyValueSets: sets)
  }

  /// Device-to-device copy bandwidth in bytes per second, counting bytes read
  /// plus bytes written: the median of `calls` copies of `bytes`.
  ///
  /// - Throws: a failing allocation or copy.
  public static func copyBandwidth(
    _ executor: CUDAExecutor, bytes: Int = 1 << 30, calls: Int = 20
  ) throws(CUDAError) -> Double {
    let driver = executor.device.driver
    let a = try DeviceBuffer(driver, bytes: bytes)
    let b = try DeviceBuffer(driver, bytes: bytes)
    try a.fill(0x3c00_3c00)
    try b.copy(from: a, bytes: bytes)
    var ms: [Double] = []
    for _ in 0..<calls {
      let start = try CUDAEvent(driver)
      let stop = try CUDAEvent(driver)
      try start.record()
      try b.copy(from: a, bytes: bytes)
      try stop.record()
      ms.append(try stop.milliseconds(since: start))
    }
    ms.sort()
    return 2 * Double(a.bytes) / (ms[ms.count / 2] / 1000)
  }

  /// Host bytes of the inputs ``uniformInputs(_:pageSize:seed:as:budget:)``
  /// makes: Q, K and V as 16-bit values, K and V in whole pages when paged
  /// (`pageSize` ≥ 1); `nil` when the count passes `Int.max`.
  ///
  /// - Complexity: O(requests).
  public static func inputBytes(_ p: AttentionProblem, pageSize: Int?) -> Int? {
    let q = CheckedSize.product([p.totalQueryTokens, p.queryHeads, p.headDim, 2])
    var tokens: Int? = p.totalKVTokens
    if let pageSize, pageSize >= 1 {
      let pages = CheckedSize.sum(p.requests.map { ($0.kvLength + pageSize - 1) / pageSize })
      tokens = pages.flatMap { CheckedSize.product([Swift.max(1, $0), pageSize]) }
    }
    let kv = tokens.flatMap { CheckedSize.product([2, $0, p.kvHeads, p.headDim, 2]) }
    return q.flatMap { q in kv.flatMap { CheckedSize.sum([q, $0]) } }
  }

  /// Inputs with elements uniform in [−1, 1), drawn from a counter-based hash
  /// (fast enough for gigabytes; not the golden generator). Paged inputs put
  /// each request's pages in reverse pool order, so a request's pages are not
  /// adjacent in memory.
  ///
  /// Their size (``inputBytes(_:pageSize:)``) is checked against `budget`
  /// (`nil`: `MemoryBudget.standard()`, ¾ of physical memory or
  /// `LEANATTN_MEMORY_BUDGET`) before anything is allocated, so a workload
  /// too large for the machine is an error, not a crash.
  ///
  /// - Throws: `AttentionError.sizeLimitExceeded` past the budget, or from
  ///   the inputs' checks (`pageSize < 1`).
  @_specialize(where Element == Float16)
  @_specialize(where Element == BFloat16)
  public static func uniformInputs<Element: CUDAElement>(
    _ p: AttentionProblem, pageSize: Int?, seed: UInt64, as _: Element.Type = Element.self,
    budget: MemoryBudget? = nil
  ) throws(AttentionError) -> AttentionInputs<Element> {
    let limit: MemoryBudget
    if let budget { limit = budget } else { limit = try MemoryBudget.standard() }
    try limit.check(
      "bench cuda inputs (\(p.totalKVTokens) KV tokens, \(p.kvHeads) KV heads, D \(p.headDim))",
      bytes: inputBytes(p, pageSize: pageSize))
    let row = p.kvHeads * p.headDim
    let q = fill(p.totalQueryTokens * p.queryHeads * p.headDim, stream: 1, seed, Element.self)
    guard let pageSize else {
      return try AttentionInputs(
        problem: p,
        queries: Tensor(shape: [p.totalQueryTokens, p.queryHeads, p.headDim], storage: q),
        keys: Tensor(
          shape: [p.totalKVTokens, p.kvHeads, p.headDim],
          storage: fill(p.totalKVTokens * row, stream: 2, seed, Element.self)),
        values: Tensor(
          shape: [p.totalKVTokens, p.kvHeads, p.headDim],
          storage: fill(p.totalKVTokens * row, stream: 3, seed, Element.self)))
    }
    guard pageSize >= 1 else {
      throw .invalidParameter(name: "page size", value: "\(pageSize)", allowed: "1 or more")
    }
    let pagesPer = p.requests.map { ($0.kvLength + pageSize - 1) / pageSize }
    let total = max(1, pagesPer.reduce(0, +))
    var table: [[Int32]] = []
    var next = total
    for n in pagesPer {
      table.append((0..<n).map { Int32(next - 1 - $0) })
      next -= n
    }
    let shape = [total, pageSize, p.kvHeads, p.headDim]
    return try AttentionInputs(
      problem: p,
      queries: Tensor(shape: [p.totalQueryTokens, p.queryHeads, p.headDim], storage: q),
      keyValues: .paged(
        keys: Tensor(
          shape: shape, storage: fill(total * pageSize * row, stream: 2, seed, Element.self)),
        values: Tensor(
          shape: shape, storage: fill(total * pageSize * row, stream: 3, seed, Element.self)),
        pageTable: table))
  }

  @_specialize(where Element == Float16)
  @_specialize(where Element == BFloat16)
  static func fill<Element: CUDAElement>(
    _ count: Int, stream: UInt64, _ seed: UInt64, _: Element.Type
  ) -> [Element] {
    let zero = Element(roundingFrom: 0)
    var out = [Element](repeating: zero, count: count)
    let chunk = 1 << 20
    let chunks = (count + chunk - 1) / chunk
    out.withUnsafeMutableBufferPointer { buf in
      guard let base = buf.baseAddress else { return }
      let address = UInt(bitPattern: base)
      DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let p = UnsafeMutablePointer<Element>(bitPattern: address)!
        for i in (c * chunk)..<min(count, (c + 1) * chunk) {
          // SplitMix64 of (seed, stream, index): 24 uniform bits → [−1, 1).
          var z = seed &+ stream &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(i) &* 0xBF58_476D_1CE4_E5B9
          z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
          z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
          z ^= z >> 31
          let u = Double(z >> 40) / Double(1 << 23) - 1
          p[i] = Element(roundingFrom: u)  // specialized: one conversion
        }
      }
    }
    return out
  }
}

extension DecodeBenchmark {
  /// KV lengths of a ragged batch of `requests` whose longest is `maxLength`
  /// and whose mean over the longest is about `ratio` (the paper's batch
  /// context ratio).
  ///
  /// For `ratio ≥ 0.5` the lengths rise linearly from `(2·ratio − 1)·max` to
  /// `max`; below, one request has `max` tokens and the others share the rest
  /// equally, at least one token each (so a ratio under `1 / requests` is
  /// reached only approximately). Longest first.
  ///
  /// - Throws: `AttentionError/invalidParameter(name:value:allowed:)` for a
  ///   ratio outside (0, 1], fewer than 1 request or a length below 1.
  public static func raggedLengths(maxLength: Int, ratio: Double, requests n: Int)
    throws(AttentionError) -> [Int]
  {
    guard ratio > 0, ratio <= 1 else {
      throw .invalidParameter(name: "ragged ratio", value: "\(ratio)", allowed: "in (0, 1]")
    }
    guard n >= 1, n <= 1 << 20 else {
      throw .invalidParameter(name: "requests", value: "\(n)", allowed: "1 to 1048576")
    }
    guard maxLength >= 1, maxLength <= 1 << 30 else {
      throw .invalidParameter(name: "context", value: "\(maxLength)", allowed: "1 to 2^30")
    }
    if n == 1 { return [maxLength] }
    let m = Double(maxLength)
    if ratio >= 0.5 {
      let low = (2 * ratio - 1) * m
      return (0..<n).map { i in
        max(1, Int((m - (m - low) * Double(i) / Double(n - 1)).rounded()))
      }
    }
    let rest = max(1, Int(((ratio * Double(n) - 1) * m / Double(n - 1)).rounded()))
    return [maxLength] + [Int](repeating: min(rest, maxLength), count: n - 1)
  }
}

extension DecodeBenchmark {
  /// One query row's exact attention, computed on the CPU in Float64.
  public struct ReferenceRow: Sendable, Hashable {
    /// The flat `[totalQ, Hq]` row.
    public var row: Int
    /// `O` of the row.
    public var output: [Double]
    /// Natural-log LSE of the row.
    public var logSumExp: Double

    /// A reference row with every field given.
    public init(row: Int, output: [Double], logSumExp: Double) {
      self.row = row
      self.output = output
      self.logSumExp = logSumExp
    }
  }

  /// Exact attention of up to `count` decode rows spread evenly over the
  /// batch (first and last included), by a two-pass softmax in Float64: an
  /// oracle cheap enough for gigabytes of K/V, independent of the kernels.
  ///
  /// - Complexity: O(count · visible keys · D), rows in parallel.
  @_specialize(where Element == Float16)
  @_specialize(where Element == BFloat16)
  public static func sampledReference<Element: CUDAElement>(
    _ inputs: AttentionInputs<Element>, count: Int = 64
  ) -> [ReferenceRow] {
    let p = inputs.problem
    let total = p.totalQueryTokens * p.queryHeads
    guard total > 0, count > 0 else { return [] }
    let n = min(count, total)
    let rows = n == 1 ? [0] : (0..<n).map { $0 * (total - 1) / (n - 1) }
    let d = p.headDim
    let (keys, values) = inputs.keyValueStorage
    let q = inputs.queries.storage
    var out = [ReferenceRow](
      repeating: ReferenceRow(row: 0, output: [], logSumExp: 0), count: rows.count)
    out.withUnsafeMutableBufferPointer { buf in
      let address = UInt(bitPattern: buf.baseAddress!)
      DispatchQueue.concurrentPerform(iterations: rows.count) { i in
        let row = rows[i]
        // Decode: token b is request b.
        let b = row / p.queryHeads
        let g = (row % p.queryHeads) / p.groupSize
        let visible = p.visibleKeys(request: b, query: 0)
        var scores = [Double](repeating: 0, count: visible.count)
        var m = -Double.infinity
        for (n, j) in visible.enumerated() {
          let k = inputs.kvRowIndex(request: b, token: j, kvHead: g)
          var s = 0.0
          for e in 0..<d { s += q[row * d + e].doubleValue * keys[k + e].doubleValue }
          scores[n] = s * p.scale
          m = max(m, scores[n])
        }
        var o = [Double](repeating: 0, count: d)
        var l = 0.0
        for (n, j) in visible.enumerated() {
          let w = Foundation.exp(scores[n] - m)
          l += w
          let k = inputs.kvRowIndex(request: b, token: j, kvHead: g)
          for e in 0..<d { o[e] += w * values[k + e].doubleValue }
        }
        let r = ReferenceRow(
          row: row, output: l > 0 ? o.map { $0 / l } : o,
          logSumExp: l > 0 ? m + Foundation.log(l) : -.infinity)
        UnsafeMutablePointer<ReferenceRow>(bitPattern: address)![i] = r
      }
    }
    return out
  }
}
