// SPDX-License-Identifier: MIT
// Runs the C ABI suite (Tests/CABI/run.sh) from `swift test`, so one command covers the Swift
// core and the installed release library as C and C++ users see it. It only launches the
// script and reports its output; the checks themselves live in Tests/CABI/.
// Set DAF_SKIP_CABI=1 to skip it (it builds the release library, which takes a while).
import Foundation
import Testing

@Suite("C ABI")
struct CABISuiteTests {
    /// The repository root: this file is <root>/Tests/DAFTests/CABISuiteTests.swift.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test(
        "C ABI suite through pkg-config against the release library",
        .enabled(if: ProcessInfo.processInfo.environment["DAF_SKIP_CABI"] == nil,
                 "DAF_SKIP_CABI is set"),
        .timeLimit(.minutes(20))
    )
    func cABISuite() throws {
        let script = Self.repositoryRoot.appendingPathComponent("Tests/CABI/run.sh")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", script.path]
        process.currentDirectoryURL = Self.repositoryRoot
        process.standardInput = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe // one stream, in the order it was written

        try process.run()
        // Read to the end before waiting, so a full pipe cannot block the script.
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        let tail = lines.suffix(80).joined(separator: "\n")

        let summary = lines.last(where: { $0.contains(" passed, ") && $0.hasSuffix(" failed") })
            .map(String.init) ?? "(no summary line)"
        // The failing checks first (they may lie far above the tail), then the tail itself.
        let markers = ["FAIL", "CHECK failed", "CRASHED", "timed out", "got ", "while testing"]
        let failures = lines.filter { line in markers.contains { line.contains($0) } }
            .prefix(60).joined(separator: "\n")
        #expect(
            process.terminationReason == .exit && process.terminationStatus == 0,
            """
            Tests/CABI/run.sh exited with \(process.terminationStatus): \(summary)
            --- failures ---
            \(failures)
            --- last 80 lines ---
            \(tail)
            """
        )
        if process.terminationStatus != 0 {
            Attachment.record(output, named: "cabi-run.log")
        }
    }
}
