import LeanAttention

/// How a case stores its keys and values.
public enum CaseLayout: Hashable, Sendable {
  /// Packed varlen `[totalKV, Hkv, D]`.
  case contiguous
  /// A paged cache with a shuffled page table.
  case paged(pageSize: Int)
}

/// Which schedule's partial states a golden file carries.
public struct PartialsRequest: Hashable, Sendable {
  /// The partitioner.
  public var partitioner: PartitionerKind
  /// The device model it schedules for.
  public var device: DeviceModel

  /// Partial states of `partitioner`'s schedule on `device`.
  public init(partitioner: PartitionerKind, device: DeviceModel) {
    self.partitioner = partitioner
    self.device = device
  }
}

/// A named, documented attention problem with seeded inputs: one golden file.
public struct GoldenCase: Hashable, Sendable {
  /// The case's name, used as its file name.
  public var name: String
  /// What the case exercises and why kernels get it wrong.
  public var summary: String
  /// The problem.
  public var problem: AttentionProblem
  /// The element type of the inputs.
  public var dtype: CaseDType
  /// Contiguous or paged keys and values.
  public var layout: CaseLayout
  /// Standard deviation of the Q samples (1 unless the case needs large scores).
  public var queryScale: Double
  /// Standard deviation of the K samples.
  public var keyScale: Double
  /// Whether the case is part of the committed corpus in `Fixtures/`.
  public var inCorpus: Bool
  /// The partial states the corpus file carries, if any.
  public var corpusPartials: PartialsRequest?

  /// A case; the problem was validated when it was made, the rest is stored as given.
  public init(
    name: String, summary: String, problem: AttentionProblem, dtype: CaseDType,
    layout: CaseLayout = .contiguous, queryScale: Double = 1, keyScale: Double = 1,
    inCorpus: Bool = true, corpusPartials: PartialsRequest? = nil
  ) {
    self.name = name
    self.summary = summary
    self.problem = problem
    self.dtype = dtype
    self.layout = layout
    self.queryScale = queryScale
    self.keyScale = keyScale
    self.inCorpus = inCorpus
    self.corpusPartials = corpusPartials
  }

  /// Whether every request is a single-token decode step.
  public var isDecode: Bool { problem.requests.allSatisfy { $0.queryLength == 1 } }
}
