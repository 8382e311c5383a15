// SPDX-License-Identifier: MIT
// How a tensor's groups are cut into runs that threads pack or decode independently: whole
// word rows of the code stream per run. Only the cut; spreading runs over threads is Parallelism.

/// Runs of whole groups that threads can pack independently: a run starts at a group whose
/// first row begins a word row, so no 32-bit word of the code stream is shared by two runs.
struct GroupRuns {
    let groups: Int
    let groupsPerRun: Int

    /// Runs of at least `minimumValues` values (256 KiB of floats by default), fewer if small.
    init(groups: Int, spec: QuantSpec, minimumValues: Int = 65_536) {
        let rowsPerGroup = spec.groupSize / QuantSpec.lanes, perWord = spec.codesPerWord
        // Group g starts at row g * rowsPerGroup: a word-row start when g is a multiple of this.
        let alignment = perWord / GroupRuns.greatestCommonDivisor(rowsPerGroup, perWord)
        let wanted = max(1, minimumValues / spec.groupSize)
        self.groups = groups
        groupsPerRun = (wanted + alignment - 1) / alignment * alignment
    }

    var count: Int { (groups + groupsPerRun - 1) / groupsPerRun }

    func groups(ofRun run: Int) -> Range<Int> {
        (run * groupsPerRun)..<min(groups, (run + 1) * groupsPerRun)
    }

    private static func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int { b == 0 ? a : greatestCommonDivisor(b, a % b) }
}
