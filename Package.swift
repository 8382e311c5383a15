// swift-tools-version:6.0
// libdaf: quantized, bit-packed activation storage behind a C ABI (see README.md).
import PackageDescription

let package = Package(
    name: "libdaf",
    products: [
        // libdaf.so — the C ABI of include/daf.h. Release builds for users go through
        // .scripts/install.sh, which adds -static-stdlib, the export list and the SONAME.
        .library(name: "daf", type: .dynamic, targets: ["DAF"]),
    ],
    targets: [
        // include/daf.h for Swift (Sources/CDAF/include links to the top-level include/).
        .target(name: "CDAF"),
        // The Swift core and the @c @implementation exports.
        .target(
            name: "DAF",
            dependencies: ["CDAF"],
            exclude: ["Exports/libdaf.map"],
            swiftSettings: [.enableExperimentalFeature("CImplementation")]
        ),
        .testTarget(name: "DAFTests", dependencies: ["DAF", "CDAF"]),
    ]
)
