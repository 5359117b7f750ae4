// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "LeanAttention",
  products: [
    .library(name: "LeanAttention", targets: ["LeanAttention"]),
    .library(name: "SafeTensors", targets: ["SafeTensors"]),
    .library(name: "FileIntegrity", targets: ["FileIntegrity"]),
    .library(name: "LeanAttentionCUDA", targets: ["LeanAttentionCUDA"]),
    .library(name: "LeanAttentionGolden", targets: ["LeanAttentionGolden"]),
    .library(name: "LeanAttentionSVG", targets: ["LeanAttentionSVG"]),
    .library(name: "LeanAttentionExplain", targets: ["LeanAttentionExplain"]),
    .executable(name: "leanattn", targets: ["leanattn"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    // `swift package generate-documentation` (make docs); a plugin only, linked into nothing.
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
  ],
  targets: [
    // OpenBLAS's cblas.h, found through pkg-config (apt: libopenblas-dev).
    .systemLibrary(
      name: "COpenBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]
    ),
    // The math: problem description, exact attention, the softmax-rescaling
    // operator, partitioners, schedules (with their simulated timeline, as
    // data) and the CPU executor.
    .target(
      name: "LeanAttention",
      dependencies: [
        "COpenBLAS",
        .product(name: "RealModule", package: "swift-numerics"),
      ]
    ),
    // The safetensors file format (and the SHA-256 it records), on its own:
    // nothing here knows about attention.
    .target(name: "SafeTensors", dependencies: ["FileIntegrity"]),
    // SHA-256 (swift-crypto) and the atomic, litter-free file write that
    // golden files and the CUDA kernel cache share.
    .target(
      name: "FileIntegrity",
      dependencies: [.product(name: "Crypto", package: "swift-crypto")]
    ),
    // Drawing: a schedule's simulated timeline as an SVG chart. Apart from the
    // math core, which computes the timeline but has no business with pixels.
    .target(name: "LeanAttentionSVG", dependencies: ["LeanAttention"]),
    // Golden files: seeded inputs, the case catalog, golden files, compare.
    .target(
      name: "LeanAttentionGolden",
      dependencies: ["LeanAttention", "SafeTensors", "FileIntegrity"]
    ),
    // The CUDA path: driver API and NVRTC loaded at run time (no CUDA at
    // build time); the kernels are CUDA C files embedded in the binary.
    // `CUDACheck` judges GPU runs with the golden files' rule, hence
    // LeanAttentionGolden (which knows nothing of CUDA).
    .target(
      name: "LeanAttentionCUDA",
      dependencies: ["LeanAttention", "LeanAttentionGolden", "SafeTensors", "FileIntegrity"],
      resources: [.embedInCode("Kernels/decode.cu")]
    ),
    // The educational layer: a step-by-step walkthrough of one decomposition
    // (text, SVG, HTML) and the pictures of Docs/images.
    .target(
      name: "LeanAttentionExplain",
      dependencies: ["LeanAttention", "LeanAttentionGolden", "LeanAttentionSVG"]
    ),
    .executableTarget(
      name: "leanattn",
      dependencies: [
        "LeanAttention",
        "LeanAttentionGolden",
        "LeanAttentionSVG",
        "LeanAttentionExplain",
        "SafeTensors",
        "FileIntegrity",
        "LeanAttentionCUDA",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // What the tests share: the naive attention oracle, random problems,
    // `maxAbsDifference` and the fixtures folder. Not a product.
    .target(
      name: "TestSupport",
      dependencies: [
        "LeanAttention",
        "LeanAttentionGolden",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ],
      path: "Tests/TestSupport"
    ),
    // One test target per library module.
    .testTarget(
      name: "LeanAttentionTests",
      dependencies: [
        "LeanAttention",
        "LeanAttentionGolden",  // seeded inputs and Philox draws
        "LeanAttentionSVG",  // partitioner tests draw their schedules
        "TestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
        .product(name: "RealModule", package: "swift-numerics"),
      ]
    ),
    .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors"]),
    .testTarget(name: "FileIntegrityTests", dependencies: ["FileIntegrity"]),
    .testTarget(
      name: "LeanAttentionGoldenTests",
      dependencies: [
        "LeanAttention", "LeanAttentionGolden", "SafeTensors", "TestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]
    ),
    .testTarget(
      name: "LeanAttentionCUDATests",
      dependencies: ["LeanAttention", "LeanAttentionCUDA", "LeanAttentionGolden", "TestSupport"]
    ),
    .testTarget(
      name: "LeanAttentionSVGTests", dependencies: ["LeanAttention", "LeanAttentionSVG"]),
    .testTarget(
      name: "LeanAttentionExplainTests",
      dependencies: [
        "LeanAttention", "LeanAttentionGolden", "LeanAttentionExplain", "LeanAttentionSVG",
        "TestSupport",
      ]
    ),
  ],
  swiftLanguageModes: [.v6]
)

// libFuzzer targets (`make fuzz`), only when asked for: they have no `main`
// of their own (libFuzzer's runtime provides it) and link only with
// `-sanitize=fuzzer`.
if Context.environment["LEANATTN_FUZZ"] == "1" {
  package.targets += [
    .executableTarget(
      name: "SafeTensorsFuzz", dependencies: ["SafeTensors"], path: "Fuzz/SafeTensorsFuzz"),
    .executableTarget(
      name: "GoldenMetadataFuzz",
      dependencies: ["LeanAttention", "LeanAttentionGolden", "SafeTensors"],
      path: "Fuzz/GoldenMetadataFuzz"),
    .executableTarget(
      name: "ScheduleJSONFuzz", dependencies: ["LeanAttention"], path: "Fuzz/ScheduleJSONFuzz"),
  ]
}
