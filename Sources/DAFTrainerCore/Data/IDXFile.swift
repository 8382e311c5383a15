// SPDX-License-Identifier: MIT
// Reads one gzipped IDX file (the MNIST format of LeCun et al.: a big-endian magic whose third
// byte is the element type, 0x08 = unsigned byte, and fourth the number of dimensions, then
// one big-endian uint32 per dimension, then the data) through zlib. Unsigned bytes only.
import CZlib
import Glibc

struct IDXFile {
    let dimensions: [Int]
    let bytes: [UInt8]

    init(path: String) throws {
        guard access(path, R_OK) == 0 else { throw TrainerError.dataMissing(path: path) }
        guard let file = gzopen(path, "rb") else {
            throw TrainerError.dataCorrupt(path: path, reason: "gzopen failed (errno \(errno))")
        }
        defer { gzclose(file) }

        func read(_ count: Int, into buffer: UnsafeMutableRawPointer) throws {
            var done = 0
            while done < count {
                let chunk = min(count - done, 1 << 30)
                let n = gzread(file, buffer + done, UInt32(chunk))
                guard n > 0 else {
                    throw TrainerError.dataCorrupt(path: path, reason: "ends after \(done) of \(count) bytes")
                }
                done += Int(n)
            }
        }
        func readUInt32() throws -> Int {
            var word: UInt32 = 0
            try read(4, into: &word)
            return Int(UInt32(bigEndian: word))
        }

        let magic = try readUInt32()
        guard magic >> 8 == 0x08, (1...4).contains(magic & 0xFF) else {
            throw TrainerError.dataCorrupt(path: path, reason: "magic 0x\(String(magic, radix: 16)) is not an unsigned-byte IDX magic")
        }
        var dims: [Int] = []
        for _ in 0..<(magic & 0xFF) { dims.append(try readUInt32()) }
        let total = dims.reduce(1, *)
        guard total > 0, total <= 1 << 31 else {
            throw TrainerError.dataCorrupt(path: path, reason: "dimensions \(dims) are implausible")
        }
        var data = [UInt8](repeating: 0, count: total)
        try data.withUnsafeMutableBytes { try read(total, into: $0.baseAddress!) }
        dimensions = dims
        bytes = data
    }
}
