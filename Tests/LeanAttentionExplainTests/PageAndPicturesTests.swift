import Foundation
import LeanAttention
import LeanAttentionExplain
import Testing

@Suite struct PageAndPicturesTests {
  static func count(_ needle: String, in s: String) -> Int {
    s.components(separatedBy: needle).count - 1
  }

  @Test(arguments: PartitionerKind.allCases)
  func pageIsSelfContainedWithOneRowPerCTA(_ kind: PartitionerKind) throws {
    let w = try Walkthrough(WalkthroughConfiguration(partitioner: kind))
    let page = WalkthroughPage.render(w)
    let schedule = try kind.make().schedule(
      try AttentionProblem(
        requests: [RequestShape(queryLength: 1, kvLength: 1000)], queryHeads: 2, kvHeads: 2,
        headDim: 64),
      on: try DeviceModel(smCount: 5))
    #expect(Self.count("<g class=\"cta-row\"", in: page) == schedule.ctas.count)
    #expect(Self.count("<section class=\"detail\"", in: page) == schedule.ctas.count + 2)
    #expect(Self.count("class=\"head-key\"", in: page) == 2)
    // No network and no external files: one inline script, no src, no link, no url().
    #expect(Self.count("<script", in: page) == 1)
    for banned in ["src=", "<link", "url(", "https://", "@import"] {
      let found = page.contains(banned)
      #expect(!found, "page contains \(banned)")
    }
    // Only the SVG namespace URI may appear.
    let withoutNamespace = page.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
    #expect(Self.count("http://", in: withoutNamespace) == 0)
  }

  /// Closed form: per-head runs 56 equal CTAs on an A100's 108 SMs, each busy
  /// for the whole makespan, so utilization is 56/108 at every context length.
  @Test func perHeadUtilizationIsHeadsOverSMs() throws {
    let plot = try UtilizationPlot(devices: [.a100])
    let perHead = try #require(plot.series.first { $0.partitioner == .perHead })
    #expect(perHead.points.map(\.context) == [1, 2, 4, 8, 16, 32, 64, 128].map { $0 * 1024 })
    for p in perHead.points { #expect(abs(p.utilization - 56.0 / 108) <= 1e-12) }
  }

  /// The committed pictures are what `leanattn pictures` writes now
  /// (regenerate with `make pictures`).
  @Test func committedPicturesAreCurrent() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let csv = try String(
      contentsOf: root.appendingPathComponent("Docs/data/gpu_sweep_h100_host_finish.csv"),
      encoding: .utf8)
    let pictures = try DocumentationPictures.all(measured: try MeasuredSweep(csv: csv))
    #expect(pictures.contains { $0.name == DocumentationPictures.measuredPictureName })
    for picture in pictures {
      let url = root.appendingPathComponent("Docs/images/\(picture.name)")
      let committed = try? String(contentsOf: url, encoding: .utf8)
      let current = committed == picture.svg
      #expect(current, "Docs/images/\(picture.name) is stale or missing: run make pictures")
    }
  }
}
