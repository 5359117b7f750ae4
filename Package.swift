// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "LeanAttention",
  products: [
    .library(name: "LeanAttention", targets: ["LeanAttention"]),
    .library(name: "SafeTensors", targets: ["SafeTensors"]),
    .library(name: "LeanAttentionCUDA", targets: ["LeanAttentionCUDA"]),
    .library(name: "LeanAttentionGolden", targets: ["LeanAttentionGolden"]),
    .library(name: "LeanAttentionExplain", targets: ["LeanAttentionExplain"]),
    .executable(name: "leanattn", targets: ["leanattn"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
  ],
  targets: [
    // OpenBLAS's cblas.h, found through pkg-config (apt: libopenblas-dev).
    .systemLibrary(
      name: "COpenBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]
    ),
    // The math: problem description, exact attention, the softmax-rescaling
    // operator, partitioners, schedules and the CPU executor.
    .target(
      name: "LeanAttention",
      dependencies: [
        "COpenBLAS",
        .product(name: "RealModule", package: "swift-numerics"),
      ]
    ),
    // The safetensors file format (and the SHA-256 it records), on its own:
    // nothing here knows about attention.
    .target(name: "SafeTensors", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
    // Golden files: seeded inputs, the case catalog, golden files, compare.
    .target(
      name: "LeanAttentionGolden",
      dependencies: ["LeanAttention", "SafeTensors"]
    ),
    // The CUDA path: driver API and NVRTC loaded at run time (no CUDA at
    // build time); the kernels are CUDA C files embedded in the binary.
    .target(
      name: "LeanAttentionCUDA",
      dependencies: ["LeanAttention", "SafeTensors"],
      resources: [.embedInCode("Kernels/decode.cu")]
    ),
    // The educational layer: a step-by-step walkthrough of one decomposition
    // (text, SVG, HTML) and the pictures of Docs/images.
    .target(
      name: "LeanAttentionExplain",
      dependencies: ["LeanAttention", "LeanAttentionGolden"]
    ),
    .executableTarget(
      name: "leanattn",
      dependencies: [
        "LeanAttention",
        "LeanAttentionGolden",
        "LeanAttentionExplain",
        "SafeTensors",
        "LeanAttentionCUDA",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(
      name: "LeanAttentionTests",
      dependencies: [
        "LeanAttention",
        "LeanAttentionGolden",
        "SafeTensors",
        "LeanAttentionCUDA",
        .product(name: "PropertyBased", package: "swift-property-based"),
        .product(name: "RealModule", package: "swift-numerics"),
      ]
    ),
    .testTarget(
      name: "LeanAttentionExplainTests",
      dependencies: ["LeanAttention", "LeanAttentionGolden", "LeanAttentionExplain"]
    ),
  ],
  swiftLanguageModes: [.v6]
)
