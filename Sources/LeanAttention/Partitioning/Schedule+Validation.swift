import Foundation

extension Schedule {
  /// Proves the schedule computes `problem` exactly once.
  ///
  /// Checks that the outputs are the problem's lean-tile outputs for this
  /// `blockN`; that every segment lies within its output's visible blocks and
  /// segments of one output neither overlap nor leave gaps; that every output
  /// with work has exactly one reduction group whose host holds the first
  /// visible block and whose peers are the other segments in KV order.
  ///
  /// - Throws: ``AttentionError/invalidSchedule(reason:)`` naming the first problem found.
  /// - Complexity: O(outputs + segments · log segments).
  public func validate(for problem: AttentionProblem) throws(AttentionError) {
    let space = try LeanTileSpace(problem: problem, blockN: blockN)
    guard space.outputs == outputs else {
      throw .invalidSchedule(
        reason:
          "its \(outputs.count) output tiles are not the problem's \(space.outputs.count) tiles for blockN \(blockN)"
      )
    }
    for (c, segments) in ctas.enumerated() {
      for s in segments {
        guard outputs.indices.contains(s.output) else {
          throw .invalidSchedule(
            reason: "CTA \(c) has a segment of output \(s.output), outside 0..<\(outputs.count)")
        }
        guard !s.blocks.isEmpty else {
          throw .invalidSchedule(reason: "CTA \(c) has an empty segment of output \(s.output)")
        }
        let vis = outputs[s.output].visibleBlocks
        guard vis.lowerBound <= s.blocks.lowerBound, s.blocks.upperBound <= vis.upperBound else {
          throw .invalidSchedule(
            reason:
              "CTA \(c): blocks \(s.blocks) of output \(s.output) are outside its visible blocks \(vis)"
          )
        }
      }
    }
    for (o, sorted) in Self.pieces(outputs: outputs.count, ctas: ctas).enumerated() {
      let vis = outputs[o].visibleBlocks
      var next = vis.lowerBound
      for piece in sorted {
        guard piece.blocks.lowerBound == next else {
          let what = piece.blocks.lowerBound < next ? "covered twice" : "not covered"
          throw .invalidSchedule(
            reason: "output \(o): KV block \(Swift.min(next, piece.blocks.lowerBound)) is \(what)")
        }
        next = piece.blocks.upperBound
      }
      guard next == vis.upperBound else {
        throw .invalidSchedule(
          reason: "output \(o): KV blocks \(next)..<\(vis.upperBound) are not covered")
      }
    }
    let expected = Self.groups(outputs: outputs.count, ctas: ctas)
    guard groups == expected else {
      let bad = zip(groups, expected).first { $0 != $1 }
      throw .invalidSchedule(
        reason: bad.map {
          "reduction group of output \($0.1.output) should have host \($0.1.host) and peers \($0.1.peers.map(\.cta)), has host \($0.0.host) and peers \($0.0.peers.map(\.cta))"
        } ?? "has \(groups.count) reduction groups; the segments need \(expected.count)")
    }
  }

  /// Decodes a schedule and validates it against `problem`.
  public static func decode(_ data: [UInt8], for problem: AttentionProblem) throws -> Schedule {
    let schedule = try JSONDecoder().decode(Schedule.self, from: Data(data))
    try schedule.validate(for: problem)
    return schedule
  }
}
