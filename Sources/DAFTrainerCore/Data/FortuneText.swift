// SPDX-License-Identifier: MIT
// English text for the byte-level GPT: Debian's `fortunes` package, its plain fortune files
// (not the .dat indexes, not the .u8 copies, not subfolders such as off/), concatenated in
// sorted-name order; the last 10 % of the bytes is the validation split. Not a tokenizer: a
// token is a byte (vocabulary 256).
import Glibc

public struct FortuneText: Sendable {
    public static let defaultDirectory = "/usr/share/games/fortunes"
    public static let vocabulary = 256

    public let train: [UInt8]
    public let validation: [UInt8]
    /// The files read, sorted.
    public let files: [String]

    /// Reads the plain files of `directory`; throws TrainerError.textMissing (naming the Debian
    /// package) when there are none.
    public init(directory: String = defaultDirectory) throws {
        let names = try Self.plainFiles(directory)
        guard !names.isEmpty else { throw TrainerError.textMissing(path: directory) }
        var bytes: [UInt8] = []
        for name in names { bytes += try Self.read("\(directory)/\(name)") }
        self.init(bytes: bytes, files: names)
    }

    /// The split of `bytes`: the first 90 % trains, the rest validates.
    init(bytes: [UInt8], files: [String]) {
        let cut = bytes.count - bytes.count / 10
        train = Array(bytes[..<cut])
        validation = Array(bytes[cut...])
        self.files = files
    }

    static func plainFiles(_ directory: String) throws -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard !name.hasPrefix("."), !name.hasSuffix(".dat"), !name.hasSuffix(".u8") else { continue }
            var info = stat()
            guard stat("\(directory)/\(name)", &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            names.append(name)
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw TrainerError.unavailable("cannot read \(path)") }
        defer { fclose(file) }
        var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            bytes += chunk[..<n]
            if n < chunk.count { break }
        }
        return bytes
    }

    /// Cross-entropy in nats per byte of the validation text under the training text's byte
    /// frequencies (add-one smoothing): what a model that ignores context achieves.
    public var unigramLoss: Double {
        var counts = [Double](repeating: 1, count: Self.vocabulary)
        for b in train { counts[Int(b)] += 1 }
        let total = counts.reduce(0, +)
        var loss = 0.0
        for b in validation { loss -= log(counts[Int(b)] / total) }
        return loss / Double(max(validation.count, 1))
    }
}

/// Windows of T + 1 bytes cut from a text: the first T are the input, the last T the targets.
struct TextWindows {
    let text: [UInt8]
    let steps: Int

    /// Fills ids and targets (B * T each) from windows starting at `starts`.
    func fill(starts: [Int], ids: inout [Int], targets: inout [Int]) {
        ids.removeAll(keepingCapacity: true)
        targets.removeAll(keepingCapacity: true)
        for s in starts {
            for t in 0..<steps {
                ids.append(Int(text[s + t]))
                targets.append(Int(text[s + t + 1]))
            }
        }
    }

    /// `batch` random window starts.
    func randomStarts(batch: Int, random: inout SeededRandom) -> [Int] {
        (0..<batch).map { _ in Int(random.next() % UInt64(text.count - steps - 1)) }
    }

    /// Up to `count` evenly spaced, non-overlapping windows covering the text (the validation set).
    func evenStarts(count: Int) -> [Int] {
        let available = (text.count - 1) / steps
        let n = min(count, available)
        return (0..<n).map { $0 * available / n * steps }
    }
}
