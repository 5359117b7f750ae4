import LeanAttention
import LeanAttentionGolden

extension CUDACheck {
  /// The device models every fixture runs on: the H100 and a 7-SM device
  /// (few SMs, so the partitioners cut outputs into many pieces).
  public static func fixtureModels() throws(AttentionError) -> [DeviceModel] {
    [DeviceModel.h100, try DeviceModel(name: "sm7", smCount: 7)]
  }

  /// The SM counts random cases run on, each for three cases in a row.
  public static let randomSMCounts = [1, 7, 108, 132, 257]

  /// Why `golden` cannot run on the GPU, or `nil` when it can: a problem the
  /// kernels do not cover (`CUDAExecutor.unsupportedReason(_:)`) or F32 inputs.
  public static func unsupportedReason(_ golden: GoldenFile) -> String? {
    let d = golden.description
    return CUDAExecutor.unsupportedReason(d.problem) ?? (d.dtype == .f32 ? "F32 inputs" : nil)
  }

  /// The runs of one golden fixture: for each partitioner (in
  /// `PartitionerKind.allCases` order), one run on each of ``fixtureModels()``.
  ///
  /// The caller checks ``unsupportedReason(_:)`` first; this lists the runs
  /// regardless.
  public static func fixtureRuns(of golden: GoldenFile) throws(AttentionError)
    -> [CUDACheckPlannedRun]
  {
    let d = golden.description
    let models = try fixtureModels()
    return PartitionerKind.allCases.flatMap { kind in
      models.map {
        CUDACheckPlannedRun(
          goldenCase: d.goldenCase, seed: d.seed, fixture: golden, partitioner: kind, device: $0)
      }
    }
  }

  /// The random runs, in order: case `i` is the `i`-th of
  /// `RandomDecodeCases(seed:)`, with inputs seeded `seed &+ i`, partitioner
  /// `i mod 5` of `PartitionerKind.allCases` and SM count
  /// `randomSMCounts[(i / 3) mod 5]` (a model named `sm<count>`).
  ///
  /// - Throws: ``CUDACheckError/negativeCount(_:_:)`` when ``randomCases`` is negative.
  /// - Complexity: O(``randomCases``); no inputs are drawn.
  public func randomRuns() throws -> [CUDACheckPlannedRun] {
    guard randomCases >= 0 else { throw CUDACheckError.negativeCount("random cases", randomCases) }
    var cases = RandomDecodeCases(seed: seed)
    let kinds = PartitionerKind.allCases
    let counts = Self.randomSMCounts
    return try (0..<randomCases).map { i in
      let sms = counts[(i / 3) % counts.count]
      return CUDACheckPlannedRun(
        goldenCase: try cases.next(index: i), seed: seed &+ UInt64(i), fixture: nil,
        partitioner: kinds[i % kinds.count], device: try DeviceModel(name: "sm\(sms)", smCount: sms)
      )
    }
  }

  /// The invariant mode's random cases and their seeds: the first
  /// ``invariantCases`` of `RandomDecodeCases(seed: seed &+ 0x1_0000)`, case
  /// `i` seeded `seed &+ 0x1_0000 &+ i`.
  ///
  /// - Throws: ``CUDACheckError/negativeCount(_:_:)`` when ``invariantCases`` is negative.
  public func invariantRandomCases() throws -> [(goldenCase: GoldenCase, seed: UInt64)] {
    guard invariantCases >= 0 else {
      throw CUDACheckError.negativeCount("invariant cases", invariantCases)
    }
    var cases = RandomDecodeCases(seed: seed &+ 0x1_0000)
    return try (0..<invariantCases).map { i in
      (try cases.next(index: i), seed &+ 0x1_0000 &+ UInt64(i))
    }
  }

  /// The device models of the invariant mode: SM counts 1 to 264 and 1 or 2
  /// CTAs per SM, so the partitioners cut each output in many different ways.
  public static func invariantModels() throws(AttentionError) -> [DeviceModel] {
    try [(1, 1), (7, 1), (66, 2), (132, 1), (132, 2), (264, 1)].map {
      (sms, perSM) throws(AttentionError) in
      try DeviceModel(name: "sm\(sms)x\(perSM)", smCount: sms, ctasPerSM: perSM)
    }
  }
}
