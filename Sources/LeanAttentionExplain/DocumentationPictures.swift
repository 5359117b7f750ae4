import Foundation
import LeanAttention
import LeanAttentionSVG

/// The pictures of `Docs/images/` that `leanattn pictures` writes, by file name.
///
/// - the paper's example (1 request, 56 heads, 6144 KV tokens, D 128) as a
///   simulated timeline for every partitioner on an A100 and an H100
///   (`paper-<partitioner>-<device>.svg`, drawn by `TimelineSVG`);
/// - simulated SM utilization against context length, 1k…128k, for every
///   partitioner on both devices (`utilization-vs-context.svg`);
/// - the timeline of `leanattn explain`'s default problem for every
///   partitioner (`explain-<partitioner>.svg`);
/// - given a measured GPU sweep, its achieved fraction of copy bandwidth beside
///   the simulated utilization on the same axes (`measured-vs-simulated-h100.svg`,
///   drawn by ``MeasuredVersusSimulatedPlot``).
///
/// A test checks that the committed files are what this produces now.
public enum DocumentationPictures {
  /// The devices of the paper-example pictures.
  public static let devices: [DeviceModel] = [.a100, .h100]

  /// The file name of the measured-versus-simulated picture.
  public static let measuredPictureName = "measured-vs-simulated-h100.svg"

  /// Every picture: `(file name, SVG)`.
  ///
  /// - Parameter measured: the committed GPU sweep
  ///   (`Docs/data/gpu_sweep_h100_host_finish.csv`, parsed); `nil` leaves out the
  ///   measured-versus-simulated picture.
  /// - Throws: the partitioners' or the walkthrough's errors (none for these shapes).
  /// - Complexity: dominated by the explain walkthroughs (a few ms) and the
  ///   utilization sweep (O(Σ tiles) per point).
  public static func all(measured: MeasuredSweep? = nil) throws(AttentionError) -> [(
    name: String, svg: String
  )] {
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
    pictures.append(
      try stacked(
        [
          pictures.first { $0.0 == "paper-fixed-split-a100.svg" }?.1,
          pictures.first { $0.0 == "paper-lean-a100.svg" }?.1,
        ].compactMap { $0 }, name: "paper-fixed-split-vs-lean-a100.svg"))
    pictures.append(("utilization-vs-context.svg", try UtilizationPlot().svg()))
    if let measured {
      pictures.append(
        (measuredPictureName, try MeasuredVersusSimulatedPlot(measured: measured).svg()))
    }
    for kind in PartitionerKind.allCases {
      var c = WalkthroughConfiguration.standard
      c.partitioner = kind
      pictures.append(
        ("explain-\(kind.rawValue).svg", WalkthroughTimeline.render(try Walkthrough(c))))
    }
    return pictures
  }

  /// SVG documents one above the other, as nested `<svg>` elements of one picture.
  static func stacked(_ documents: [String], name: String) throws(AttentionError) -> (
    String, String
  ) {
    var width = 0
    var y = 0
    var body = ""
    for doc in documents {
      guard let w = attribute("width", of: doc), let h = attribute("height", of: doc) else {
        throw .invalidParameter(
          name: "picture", value: name, allowed: "SVGs with a width and height")
      }
      body += doc.replacingOccurrences(
        of: "<svg ", with: "<svg y=\"\(y)\" ", options: [], range: doc.range(of: "<svg "))
      width = max(width, w)
      y += h
    }
    return (
      name,
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(y)\" viewBox=\"0 0 \(width) \(y)\">\n\(body)</svg>\n"
    )
  }

  /// The integer value of the root element's `name="…"` attribute.
  static func attribute(_ name: String, of svg: String) -> Int? {
    guard let open = svg.range(of: "\(name)=\""),
      let close = svg[open.upperBound...].firstIndex(of: "\"")
    else { return nil }
    return Int(svg[open.upperBound..<close])
  }
}
