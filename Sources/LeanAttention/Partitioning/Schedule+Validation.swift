import Foundation

extension Schedule {
  /// Proves the schedule computes `problem` exactly once.
  ///
  /// Checks that the outputs are the problem's lean-tile outputs for this
  /// `blockN`, then the structure (see ``validateStructure()``). The pieces and
  /// reduction groups were derived once when the schedule was made; this reads them.
  ///
  /// - Throws: ``AttentionError/invalidSchedule(reason:)`` naming the first problem found.
  /// - Complexity: O(outputs + segments).
  public func validate(for problem: AttentionProblem) throws(AttentionError) {
    let space = try LeanTileSpace(problem: problem, blockN: blockN)
    guard space.outputs == outputs else {
      throw .invalidSchedule(
        reason:
          "its \(outputs.count) output tiles are not the problem's \(space.outputs.count) tiles for blockN \(blockN)"
      )
    }
    try validateStructure()
  }

  /// Checks what needs no problem: every segment names an output, is not
  /// empty and lies within the output's visible blocks, and the pieces of every
  /// output cover its visible blocks without overlap or gap.
  ///
  /// - Throws: ``AttentionError/invalidSchedule(reason:)`` naming the first problem found.
  /// - Complexity: O(outputs + segments).
  public func validateStructure() throws(AttentionError) {
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
    for (o, sorted) in pieces.enumerated() {
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
  }

  /// Decodes a schedule (which checks its structure) and validates it against `problem`.
  ///
  /// - Throws: ``AttentionError/invalidSchedule(reason:)`` for a schedule that
  ///   does not compute `problem` exactly once; `DecodingError` for malformed JSON.
  public static func decode(_ data: [UInt8], for problem: AttentionProblem) throws -> Schedule {
    let schedule = try JSONDecoder().decode(Schedule.self, from: Data(data))
    let space = try LeanTileSpace(problem: problem, blockN: schedule.blockN)
    guard space.outputs == schedule.outputs else {
      throw AttentionError.invalidSchedule(
        reason:
          "its \(schedule.outputs.count) output tiles are not the problem's \(space.outputs.count) tiles for blockN \(schedule.blockN)"
      )
    }
    return schedule
  }
}
