import LeanAttention
import LeanAttentionSVG
import Testing

@Suite("Timeline SVG")
struct TimelineSVGTests {
  @Test("One bar per segment, a tick per partial written, a bar per host reduction")
  func drawsTheTimeline() throws {
    let p = try AttentionProblem(
      requests: [.init(queryLength: 1, kvLength: 6144)], queryHeads: 56, kvHeads: 56, headDim: 128)
    let schedule = try LeanPartitioner().schedule(p, on: .a100)
    let (timeline, metrics) = schedule.simulate(kvLengths: [6144])
    let svg = TimelineSVG.render(schedule, timeline: timeline, metrics: metrics, title: "a < b & c")
    #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
    #expect(svg.contains("a &lt; b &amp; c"))
    // Counted here from the schedule's groups, independently of the drawing.
    let segments = schedule.ctas.reduce(0) { $0 + $1.count }
    let written = schedule.groups.reduce(0) { $0 + $1.peers.count }
    let hosts = schedule.groups.filter { !$0.peers.isEmpty }.count
    #expect(svg.components(separatedBy: "<title>CTA ").count - 1 == segments)
    #expect(svg.components(separatedBy: "width=\"2\" height=").count - 1 == written)
    #expect(svg.components(separatedBy: "fill=\"black\"/>").count - 1 == hosts)
  }

}
