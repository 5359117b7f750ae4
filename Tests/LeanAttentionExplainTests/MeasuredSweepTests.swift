import LeanAttention
import LeanAttentionExplain
import Testing

@Suite struct MeasuredSweepTests {
  /// Columns in another order than the benchmark writes them, an extra column,
  /// rows of another group and of batch 4, and contexts out of order.
  static let csv = """
    impl,device,fraction_of_copy,extra,max_context,batch,group
    lean,GPU X,0.5,a,2048,1,mha56-d128
    lean,GPU X,0.25,a,1024,1,mha56-d128
    lean,GPU X,0.9,a,1024,4,mha56-d128
    per-head,GPU X,0.125,a,1024,1,mha56-d128
    torch-flash,GPU X,0.75,a,1024,1,mha56-d128
    torch-cudnn,GPU X,0.625,a,1024,1,mha56-d128
    torch-cudnn,GPU X,1.0625,a,2048,1,mha56-d128
    lean,GPU X,0.99,a,1024,1,gqa32-8-d128
    """

  @Test func keepsOneGroupsSingleRequestRowsInContextOrder() throws {
    let sweep = try MeasuredSweep(csv: Self.csv)
    #expect(sweep.device == "GPU X")
    #expect(
      sweep.series.map(\.implementation) == ["lean", "per-head", "torch-flash", "torch-cudnn"])
    let lean = try #require(sweep.series.first)
    #expect(lean.partitioner == .lean)
    #expect(
      lean.points == [.init(context: 1024, fraction: 0.25), .init(context: 2048, fraction: 0.5)])
    #expect(sweep.series[2].partitioner == nil)
    let plot = try MeasuredVersusSimulatedPlot(measured: sweep)
    // The best backend per context: 0.75 (flash) at 1k, 1.0625 (cuDNN) at 2k.
    #expect(
      plot.pytorchBest == [
        .init(context: 1024, fraction: 0.75), .init(context: 2048, fraction: 1.0625),
      ])
    // A point above 100% lifts both panels' axis to the next 20% step: 120%.
    let svg = plot.svg()
    #expect(svg.contains(">120%</text>") && !svg.contains(">140%</text>"))
    #expect(svg.contains("lean, measured, 2048 tokens: 50.0%"))
  }

  @Test func refusesMalformedInput() {
    #expect(throws: AttentionError.self) { try MeasuredSweep(csv: "") }
    #expect(throws: AttentionError.self) {
      try MeasuredSweep(csv: Self.csv.replacingOccurrences(of: "fraction_of_copy", with: "gbps"))
    }
    #expect(throws: AttentionError.self) {
      try MeasuredSweep(csv: Self.csv.replacingOccurrences(of: "0.125", with: "nan"))
    }
    #expect(throws: AttentionError.self) {
      try MeasuredSweep(
        csv: Self.csv.replacingOccurrences(of: "per-head,GPU X", with: "per-head,GPU Y"))
    }
    #expect(throws: AttentionError.self) { try MeasuredSweep(csv: Self.csv, group: "mha1-d1") }
  }
}
