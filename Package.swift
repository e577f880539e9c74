// swift-tools-version: 6.1
// Spindle: a deterministic parallel simulator for multi-chip DNN accelerators.
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Spindle",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "spindle", targets: ["spindle"]),
        .library(name: "Spindle", targets: ["Spindle"]),
    ],
    traits: [
        .trait(
            name: "ExpensiveChecks",
            description: "Re-verify event ordering and causality on every delivery (slow)."),
        .trait(
            name: "MPI",
            description: "Runs over several processes and machines with Open MPI (Debian: libopenmpi-dev, openmpi-bin)."),
        .default(enabledTraits: ["MPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // ONNX models and Chakra traces: the message types are generated once from onnx.proto and et_def.proto and
        // committed (scripts/generate-protobuf-swift).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // System-library shim for libnuma (apt: libnuma-dev).
        .systemLibrary(
            name: "CNUMA",
            pkgConfig: "numa",
            providers: [.apt(["libnuma-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // System-library shim for Open MPI (apt: libopenmpi-dev), used only with the MPI trait.
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        .target(name: "SpindleCore", swiftSettings: strict),
        .target(name: "SpindleCompression", dependencies: ["SpindleCore", "SpindleWorkload", "CZlib"], swiftSettings: strict),
        .target(
            name: "SpindleEngine",
            dependencies: ["SpindleCore", "CNUMA"],
            swiftSettings: strict + [.define("SPINDLE_EXPENSIVE_CHECKS", .when(traits: ["ExpensiveChecks"]))]),
        .target(
            name: "SpindleWorkload", dependencies: ["SpindleCore", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["ModelFiles/ONNX/onnx.proto", "ModelFiles/ONNX/README.md"], swiftSettings: strict),
        // Collective algorithms and the flow-level network they run on.
        .target(name: "SpindleCollectives", dependencies: ["SpindleCore"], swiftSettings: strict),
        // Training plans for transformers: memory per chip and the analytic iteration time, and their search.
        .target(
            name: "SpindleParallelism",
            dependencies: [
                "SpindleCore", "SpindleWorkload", "SpindleCollectives", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Chakra/et_def.proto", "Chakra/README.md"], swiftSettings: strict),
        // MPI processes as the engine's process group (Open MPI through the CMPI shim).
        .target(
            name: "SpindleDistributed",
            dependencies: ["SpindleCore", "SpindleEngine", .target(name: "CMPI", condition: .when(traits: ["MPI"]))],
            swiftSettings: strict + [.define("SPINDLE_MPI", .when(traits: ["MPI"]))]),
        .target(name: "SpindleHardware", dependencies: ["SpindleCore", "SpindleEngine"], swiftSettings: strict),
        // The component studies (spindle noc, dram, array) against BookSim2, DRAMsim3 and SCALE-Sim.
        .target(
            name: "SpindleStudies", dependencies: ["SpindleCore", "SpindleHardware", "SpindleWorkload"], swiftSettings: strict),
        .target(
            name: "SpindleMapping", dependencies: ["SpindleCore", "SpindleHardware", "SpindleWorkload"],
            swiftSettings: strict),
        .target(
            name: "SpindleScenario",
            dependencies: [
                "SpindleCore", "SpindleCompression", "SpindleHardware", "SpindleWorkload", "SpindleMapping", "SpindleCollectives",
                "SpindleParallelism", "Yams",
            ],
            swiftSettings: strict),
        .target(name: "SpindleReport", dependencies: ["SpindleCore", "SpindleEngine"], swiftSettings: strict),
        .target(
            name: "SpindleRun",
            dependencies: [
                "SpindleCore", "SpindleEngine", "SpindleCompression", "SpindleWorkload", "SpindleHardware", "SpindleMapping",
                "SpindleScenario", "SpindleReport", "SpindleCollectives", "SpindleParallelism",
            ],
            swiftSettings: strict),
        .target(
            name: "SpindleValidation",
            dependencies: [
                "SpindleCore", "SpindleEngine", "SpindleCompression", "SpindleWorkload", "SpindleHardware", "SpindleStudies",
                "SpindleScenario", "SpindleReport", "SpindleRun", "SpindleCollectives",
            ],
            swiftSettings: strict),
        .target(
            name: "Spindle",
            dependencies: [
                "SpindleCore", "SpindleEngine", "SpindleCompression", "SpindleWorkload", "SpindleHardware", "SpindleMapping",
                "SpindleScenario", "SpindleReport", "SpindleRun", "SpindleValidation", "SpindleCollectives", "SpindleParallelism",
            ],
            swiftSettings: strict),
        // The CLI and the tests name every module they use, not only the re-exporting umbrella: incremental
        // builds miss struct layout changes across a re-exported module boundary (swiftlang/swift#89636).
        .executableTarget(
            name: "spindle",
            dependencies: [
                "Spindle", "SpindleCore", "SpindleEngine", "SpindleCompression", "SpindleWorkload", "SpindleHardware",
                "SpindleMapping", "SpindleScenario", "SpindleReport", "SpindleRun", "SpindleStudies", "SpindleDistributed",
                "SpindleValidation", "SpindleCollectives", "SpindleParallelism",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .testTarget(name: "SpindleCoreTests", dependencies: ["SpindleCore"], swiftSettings: strict),
        .testTarget(name: "SpindleEngineTests", dependencies: ["SpindleEngine"], swiftSettings: strict),
        .testTarget(name: "SpindleDistributedTests", dependencies: ["SpindleDistributed"], swiftSettings: strict),
        .testTarget(
            name: "SpindleHardwareTests", dependencies: ["SpindleCore", "SpindleEngine", "SpindleHardware"], resources: [.copy("Fixtures")],
            swiftSettings: strict),
        .testTarget(
            name: "SpindleStudiesTests",
            dependencies: ["SpindleCore", "SpindleHardware", "SpindleWorkload", "SpindleStudies", "SpindleScenario"],
            resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(
            name: "SpindleWorkloadTests",
            dependencies: ["SpindleCore", "SpindleWorkload", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            resources: [.copy("Fixtures")],
            swiftSettings: strict),
        .testTarget(name: "SpindleCollectivesTests", dependencies: ["SpindleCore", "SpindleCollectives"], swiftSettings: strict),
        .testTarget(
            name: "SpindleParallelismTests", dependencies: ["SpindleCore", "SpindleWorkload", "SpindleCollectives", "SpindleParallelism"],
            resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(
            name: "SpindleMappingTests", dependencies: ["SpindleCore", "SpindleWorkload", "SpindleHardware", "SpindleMapping"],
            swiftSettings: strict),
        .testTarget(
            name: "SpindleReportTests", dependencies: ["SpindleReport"], resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(
            name: "SpindleCompressionTests", dependencies: ["SpindleCompression", "SpindleWorkload"],
            resources: [.copy("Fixtures")], swiftSettings: strict),
        // Helpers shared by the scenario and run tests (not a test target: it has no tests of its own).
        .target(
            name: "SpindleTestSupport",
            dependencies: [
                "Spindle", "SpindleCore", "SpindleEngine", "SpindleCompression", "SpindleWorkload", "SpindleHardware",
                "SpindleMapping", "SpindleScenario", "SpindleReport", "SpindleRun",
            ],
            path: "Tests/SpindleTestSupport", swiftSettings: strict),
        .testTarget(
            name: "SpindleScenarioTests",
            dependencies: [
                "SpindleTestSupport", "SpindleCore", "SpindleEngine", "SpindleCompression", "SpindleWorkload", "SpindleHardware",
                "SpindleMapping", "SpindleScenario", "SpindleReport", "SpindleRun",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "SpindleRunTests",
            dependencies: [
                "SpindleTestSupport", "Spindle", "SpindleCore", "SpindleEngine", "SpindleCompression", "SpindleWorkload",
                "SpindleHardware", "SpindleMapping", "SpindleScenario", "SpindleReport", "SpindleRun", "SpindleCollectives",
                "SpindleParallelism",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "SpindleValidationTests",
            dependencies: ["SpindleTestSupport", "SpindleCore", "SpindleReport", "SpindleRun", "SpindleValidation"],
            resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(
            name: "SpindleEndToEndTests", dependencies: ["spindle"],
            swiftSettings: strict),
    ]
)
