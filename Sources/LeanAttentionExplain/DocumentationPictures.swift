import Foundation
import LeanAttention

/// The pictures of `Docs/images/` that `leanattn pictures` writes, by file name.
///
/// - the paper's example (1 request, 56 heads, 6144 KV tokens, D 128) as a
///   simulated timeline for every partitioner on an A100 and an H100
///   (`paper-<partitioner>-<device>.svg`, drawn by `TimelineSVG`);
/// - simulated SM utilization against context length, 1k…128k, for every
///   partitioner on both devices (`utilization-vs-context.svg`);
/// - the timeline of `leanattn explain`'s default problem for every
///   partitioner (`explain-<partitioner>.svg`).
///
/// A test checks that the committed files are what this produces now.
public enum DocumentationPictures {
  /// The devices of the paper-example pictures.
  public static let devices: [DeviceModel] = [.a100, .h100]

  /// Every picture: `(file name, SVG)`.
  ///
  /// - Throws: the partitioners' or the walkthrough's errors (none for these shapes).
  /// - Complexity: dominated by the explain walkthroughs (a few ms) and the
  ///   utilization sweep (O(Σ tiles) per point).
  public static func all() throws(AttentionError) -> [(name: String, svg: String)] {
    var pictures: [(String, String)] = []
    let paper = try AttentionProblem(
      requests: [RequestShape(queryLength: 1, kvLength: 6144)], queryHeads: 56, kvHeads: 56,
      headDim: 128, mask: .none)
    for device in devices {
      for kind in PartitionerKind.allCases {
        let schedule = try kind.make().schedule(paper, on: device)
        let (timeline, metrics) = schedule.simulate(kvLengths: [6144])
        // The title `leanattn schedule --svg` writes, so the files match it.
        let title =
          "\(metrics.partitioner) — \(paper.batchSize) request(s), \(paper.queryHeads) heads, D \(paper.headDim), \(device.name) (\(device.smCount) SMs)"
        pictures.append(
          (
            "paper-\(kind.rawValue)-\(device.name).svg",
            TimelineSVG.render(schedule, timeline: timeline, metrics: metrics, title: title)
          ))
      }
    }
    pictures.append(("utilization-vs-context.svg", try UtilizationPlot().svg()))
    for kind in PartitionerKind.allCases {
      var c = WalkthroughConfiguration.standard
      c.partitioner = kind
      pictures.append(
        ("explain-\(kind.rawValue).svg", WalkthroughTimeline.render(try Walkthrough(c))))
    }
    return pictures
  }
}
