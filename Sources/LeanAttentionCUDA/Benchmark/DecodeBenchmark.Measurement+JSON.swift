extension DecodeBenchmark.Measurement {
  /// `bench cuda --json`'s line for this measurement in `setup`: one JSON
  /// object, its fields in a fixed order.
  ///
  /// `partitioner`, `device`, `dtype`, `batch`, `heads`, `kv_heads`,
  /// `head_dim`, `contexts`, `mean_context`, `max_context`, `page_size`
  /// (`null` for contiguous K/V), `grid`, `splits`, `combine_grid`, `kernel`,
  /// `us`, `min_us`, `max_us`, `calls`, `kv_sets`, `bytes`, `gbps`,
  /// `copy_gbps`, `fraction_of_copy`, `floor_us`, `max_abs_error`,
  /// `error_limit`, `passed`; with the invariant mode, then `invariant_us`,
  /// `invariant_min_us`, `invariant_ratio`, `invariant_vs_lean` (`null` when
  /// lean was not measured before), `invariant_bitwise`, `block_n`,
  /// `invariant_max_abs_error`, `invariant_passed`. Numbers are Swift's
  /// shortest round-trip spelling; a value that is not finite (a failed
  /// check's NaN error) is `null`, so the line stays JSON.
  public func jsonLine(setup: DecodeBenchmark.Setup) -> String {
    func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
    let lengths = setup.kvLengths
    let t = timing
    var fields: [String] = [
      "\"partitioner\": \"\(partitioner.rawValue)\"", "\"device\": \"\(setup.deviceName)\"",
      "\"dtype\": \"\(setup.dtype.rawValue)\"", "\"batch\": \(lengths.count)",
      "\"heads\": \(setup.queryHeads)", "\"kv_heads\": \(setup.kvHeads)",
      "\"head_dim\": \(setup.headDim)",
      "\"contexts\": [\(lengths.map(String.init).joined(separator: ", "))]",
      "\"mean_context\": \(Double(lengths.reduce(0, +)) / Double(max(1, lengths.count)))",
      "\"max_context\": \(lengths.max() ?? 0)",
      "\"page_size\": \(setup.pageSize.map(String.init) ?? "null")",
      "\"grid\": \(grid)", "\"splits\": \(splits)", "\"combine_grid\": \(combineGrid)",
      "\"kernel\": \"\(kernelName)\"", "\"us\": \(number(t.medianMicroseconds))",
      "\"min_us\": \(number(t.minMicroseconds))", "\"max_us\": \(number(t.maxMicroseconds))",
      "\"calls\": \(t.calls)", "\"kv_sets\": \(t.keyValueSets)", "\"bytes\": \(bytes)",
      "\"gbps\": \(number(gigabytesPerSecond))", "\"copy_gbps\": \(number(copyGigabytesPerSecond))",
      "\"fraction_of_copy\": \(number(fractionOfCopy))",
      "\"floor_us\": \(number(floorMicroseconds))",
      "\"max_abs_error\": \(number(maxAbsError))", "\"error_limit\": \(number(errorLimit))",
      "\"passed\": \(passed)",
    ]
    if let tree = invariant {
      fields += [
        "\"invariant_us\": \(number(tree.timing.medianMicroseconds))",
        "\"invariant_min_us\": \(number(tree.timing.minMicroseconds))",
        "\"invariant_ratio\": \(number(tree.ratio))",
        "\"invariant_vs_lean\": \(tree.ratioToLean.map(number) ?? "null")",
        "\"invariant_bitwise\": \(tree.bitwise)", "\"block_n\": \(tree.blockN)",
        "\"invariant_max_abs_error\": \(number(tree.maxAbsError))",
        "\"invariant_passed\": \(tree.passed)",
      ]
    }
    return "{" + fields.joined(separator: ", ") + "}"
  }
}
