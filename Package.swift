// swift-tools-version:6.0
// SPDX-License-Identifier: MIT
// libdaf: quantized, bit-packed activation storage behind a C ABI (see README.md).
import PackageDescription

// The architecture the build is *for*. `#if arch(...)` in a manifest is that of the machine
// running SwiftPM, and SwiftPM tells the manifest nothing of `--triple`, so a cross-build names
// its target in the environment: DAF_TARGET_ARCH=aarch64 (or arm64) or x86_64 (or amd64); see
// README, Platforms, and .scripts/aarch64-check.sh. Unset, the build machine's architecture.
#if arch(x86_64)
let buildMachineArch = "x86_64"
#elseif arch(arm64)
let buildMachineArch = "aarch64"
#else
let buildMachineArch = "other"
#endif
let targetArch: String = {
    switch Context.environment["DAF_TARGET_ARCH"] ?? buildMachineArch {
    case "x86_64", "amd64": return "x86_64"
    case "aarch64", "arm64": return "aarch64"
    case let other: return other // any other: the portable settings below
    }
}()
let targetsX86 = targetArch == "x86_64"

// Baselines are plain C at full optimization; on x86 with AVX2, as the kernels they judge.
let baselineFlags: [CSetting] = [.unsafeFlags(targetsX86 ? ["-O3", "-march=x86-64-v3"] : ["-O3"])]
// The kernels' SIMD16 code in AVX2 registers (x86-64-v3: Haswell, 2013, and later). Elsewhere
// the compiler's default for the target (aarch64: NEON, which every ARMv8-A core has).
let kernelFlags: [SwiftSetting] = targetsX86
    ? [.unsafeFlags(["-Xcc", "-march=x86-64-v3"], .when(configuration: .release))] : []
// A second build of the packing kernels for x86-64-v4 (AVX-512), which DAF calls only on CPUs
// that have it (KernelChoice.swift). Built for v4 in debug too, so the tests run its instructions.
let avx512Targets: [Target] = targetsX86 ? [
    .target(name: "DAFKernelsAVX512", dependencies: ["CDAF", "DAFPlatform"],
            swiftSettings: [.unsafeFlags(["-Xcc", "-march=x86-64-v4"])]
                + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
] : []
let avx512Dependencies: [Target.Dependency] = targetsX86 ? ["DAFKernelsAVX512"] : []
// Release builds skip the run-time exclusivity checks of class properties (swift_beginAccess,
// 6 % of a pool alloc+free under perf): the debug builds that run the tests keep them.
let releaseChecks: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "libdaf",
    products: [
        // libdaf.so — the C ABI of include/daf.h. Release builds for users go through
        // .scripts/install.sh, which adds -static-stdlib, the export list and the SONAME.
        .library(name: "daf", type: .dynamic, targets: ["DAF"]),
        .executable(name: "daf-bench", targets: ["daf-bench"]),
        .executable(name: "daf-train", targets: ["daf-train"]),
    ],
    dependencies: [
        // Only the executables use it; libdaf itself depends on nothing.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // include/daf.h for Swift (Sources/CDAF/include links to the top-level include/).
        .target(name: "CDAF"),
        // Static inline CPU hints (prefetch) for the kernels and the futex lock; exports nothing.
        // DWARF 4: valgrind 3.19 (Debian bookworm's) gives up on a library with a DWARF 5 unit.
        .target(name: "DAFPlatform", dependencies: ["CDAF"], cSettings: [.unsafeFlags(["-gdwarf-4"])]),
        // The Swift core and the @c @implementation exports.
        .target(
            name: "DAF",
            dependencies: ["CDAF", "DAFPlatform"] + avx512Dependencies,
            exclude: ["Exports/libdaf.map", "Plan/README.md"],
            swiftSettings: [.enableExperimentalFeature("CImplementation")] + kernelFlags + releaseChecks
        ),
    ] + avx512Targets + [
        // Bandwidth baselines for daf-bench (read and fill passes).
        .target(name: "BenchBaselines", cSettings: baselineFlags),
        .executableTarget(
            name: "daf-bench",
            dependencies: ["DAF", "CDAF", "BenchBaselines", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            exclude: ["README.md"]
        ),
        // System libraries for the trainer: OpenBLAS (cblas_sgemm) and zlib (gzipped IDX files).
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // The reference trainer's logic: data, layers, training loop, reports. It reaches libdaf
        // only through the C declarations of CDAF (DAF is a dependency just to link the
        // symbols). Optimized even in debug builds, so `swift test` can train for real.
        .target(
            name: "DAFTrainerCore",
            dependencies: ["CDAF", "DAF", "COpenBLAS", "CZlib"],
            exclude: ["README.md"],
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug)),
                            .unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        .executableTarget(
            name: "daf-train",
            dependencies: ["DAFTrainerCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "DAFTests", dependencies: ["DAF", "CDAF"]),
        .testTarget(name: "DAFTrainerTests", dependencies: ["DAFTrainerCore", "CDAF"]),
    ]
)
