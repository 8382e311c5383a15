// SPDX-License-Identifier: MIT
// The spill file of a context: packed blobs that eviction moved out of memory, one record per
// entry, each with an FNV-1a 64 checksum, so a truncated or altered record is reported
// (DAF_E_CORRUPT), never decoded. The file is created with O_CREAT | O_EXCL and mode 0600 and
// unlinked at once, so no one else can open it and it never outlives the process. Space of
// released records is reused (first fit) and the file shrinks when its tail is free. Not
// thread-safe: the context's lock guards it. Not a cache: a record is read back on every
// restore of its entry.
//
// Record layout (little-endian): 0 "DAFS" | 4 u32 version 1 | 8 u64 handle | 16 u64 payload
// bytes | 24 u64 FNV-1a 64 of bytes 0..<24 and then the payload | 32 payload (a packed blob).
import CDAF
import Glibc
import Synchronization

private let spillNameCounter = Atomic<UInt64>(0)

final class SpillFile {
    /// A record's place in the file: header and payload.
    struct Extent: Equatable {
        let offset: Int
        let length: Int
    }

    static let headerBytes = 32
    static let magic: [UInt8] = [0x44, 0x41, 0x46, 0x53] // "DAFS"
    static let version: UInt32 = 1

    let directory: String
    /// The open file (-1 until the first spill); internal so tests can damage it.
    private(set) var descriptor: Int32 = -1
    /// Bytes in use: the file's size.
    private(set) var end = 0
    /// Free ranges below `end`, sorted by offset, never adjacent to each other.
    private var holes: [Extent] = []
    private(set) var liveRecords = 0

    init(directory: String) {
        self.directory = directory
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    private func openIfNeeded() throws(DAFError) {
        guard descriptor < 0 else { return }
        for _ in 0..<64 {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            // Relaxed: only makes names distinct (O_EXCL settles any clash anyway).
            let number = spillNameCounter.add(1, ordering: .relaxed).oldValue
            let path = "\(directory)/libdaf-spill-\(getpid())-\(number)-\(UInt32(truncatingIfNeeded: now.tv_nsec)).bin"
            let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 {
                unlink(path)
                descriptor = fd
                return
            }
            let error = errno
            if error != EEXIST && error != EINTR {
                throw DAFError(DAF_E_IO, "cannot create a spill file in \(directory): \(String(cString: strerror(error)))")
            }
        }
        throw DAFError(DAF_E_IO, "cannot find an unused spill file name in \(directory)")
    }

    // MARK: Records

    /// Writes a record for `handle` holding blob[0..<size]; returns where it is.
    func write(handle: UInt64, blob: UnsafeRawPointer, size: Int) throws(DAFError) -> Extent {
        try openIfNeeded()
        let header = try AlignedBytes(count: SpillFile.headerBytes)
        let h = header.base
        for (i, byte) in SpillFile.magic.enumerated() { h.storeBytes(of: byte, toByteOffset: i, as: UInt8.self) }
        h.storeBytes(of: SpillFile.version.littleEndian, toByteOffset: 4, as: UInt32.self)
        h.storeBytes(of: handle.littleEndian, toByteOffset: 8, as: UInt64.self)
        h.storeBytes(of: UInt64(size).littleEndian, toByteOffset: 16, as: UInt64.self)
        let sum = FNV1a64.hash(UnsafeRawBufferPointer(start: blob, count: size),
                               continuing: FNV1a64.hash(UnsafeRawBufferPointer(start: h, count: 24)))
        h.storeBytes(of: sum.littleEndian, toByteOffset: 24, as: UInt64.self)
        let extent = place(SpillFile.headerBytes + size)
        do {
            try writeAll(h, SpillFile.headerBytes, at: extent.offset)
            try writeAll(blob, size, at: extent.offset + SpillFile.headerBytes)
        } catch {
            giveBack(extent)
            throw error
        }
        liveRecords += 1
        return extent
    }

    /// Reads the record at `extent` into buffer[0..<size], checking that it is the record
    /// written for `handle` with `size` bytes and that its checksum matches.
    func read(_ extent: Extent, handle: UInt64, into buffer: UnsafeMutableRawPointer, size: Int) throws(DAFError) {
        guard descriptor >= 0 else { throw DAFError(DAF_E_IO, "the spill file is not open") }
        let header = try AlignedBytes(count: SpillFile.headerBytes)
        let h = header.base
        try readAll(h, SpillFile.headerBytes, at: extent.offset)
        let magic = UnsafeRawBufferPointer(start: h, count: 4)
        guard magic.elementsEqual(SpillFile.magic),
              UInt32(littleEndian: h.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) == SpillFile.version,
              UInt64(littleEndian: h.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) == handle,
              UInt64(littleEndian: h.loadUnaligned(fromByteOffset: 16, as: UInt64.self)) == UInt64(size),
              extent.length == SpillFile.headerBytes + size else {
            throw DAFError(DAF_E_CORRUPT, "spill file: the record of handle \(handle) at offset \(extent.offset) has a damaged header")
        }
        let stored = UInt64(littleEndian: h.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        let headerHash = FNV1a64.hash(UnsafeRawBufferPointer(start: h, count: 24))
        try readAll(buffer, size, at: extent.offset + SpillFile.headerBytes)
        let sum = FNV1a64.hash(UnsafeRawBufferPointer(start: buffer, count: size), continuing: headerHash)
        guard sum == stored else {
            throw DAFError(DAF_E_CORRUPT, "spill file: the record of handle \(handle) fails its checksum")
        }
    }

    /// Frees a record's space.
    func release(_ extent: Extent) {
        liveRecords -= 1
        giveBack(extent)
    }

    // MARK: Space

    /// First fit among the holes, else at the end.
    private func place(_ length: Int) -> Extent {
        if let i = holes.firstIndex(where: { $0.length >= length }) {
            let hole = holes[i]
            if hole.length == length {
                holes.remove(at: i)
            } else {
                holes[i] = Extent(offset: hole.offset + length, length: hole.length - length)
            }
            return Extent(offset: hole.offset, length: length)
        }
        defer { end += length }
        return Extent(offset: end, length: length)
    }

    private func giveBack(_ extent: Extent) {
        var merged = extent
        let i = holes.firstIndex { $0.offset > extent.offset } ?? holes.count
        var lower = i
        if i > 0, holes[i - 1].offset + holes[i - 1].length == merged.offset {
            merged = Extent(offset: holes[i - 1].offset, length: holes[i - 1].length + merged.length)
            lower = i - 1
        }
        var upper = i
        if i < holes.count, merged.offset + merged.length == holes[i].offset {
            merged = Extent(offset: merged.offset, length: merged.length + holes[i].length)
            upper = i + 1
        }
        holes.replaceSubrange(lower..<upper, with: [merged])
        if let last = holes.last, last.offset + last.length >= end {
            end = last.offset
            holes.removeLast()
            if descriptor >= 0 { _ = ftruncate(descriptor, off_t(end)) }
        }
    }

    // MARK: I/O

    private func writeAll(_ source: UnsafeRawPointer, _ count: Int, at offset: Int) throws(DAFError) {
        try transferAll(count, at: offset, writing: true) { done in
            pwrite(descriptor, source + done, count - done, off_t(offset + done))
        }
    }

    private func readAll(_ destination: UnsafeMutableRawPointer, _ count: Int, at offset: Int) throws(DAFError) {
        try transferAll(count, at: offset, writing: false) { done in
            pread(descriptor, destination + done, count - done, off_t(offset + done))
        }
    }

    /// Repeats `step(bytes done so far)` (a pread or pwrite) until `count` bytes are through,
    /// retrying on EINTR. A read that ends early met the end of the file: the file was
    /// truncated (DAF_E_CORRUPT); any other failure is DAF_E_IO.
    private func transferAll(_ count: Int, at offset: Int, writing: Bool, _ step: (Int) -> Int) throws(DAFError) {
        var done = 0
        while done < count {
            let n = step(done)
            if n > 0 {
                done += n
            } else if n < 0 && errno == EINTR {
                continue
            } else if n == 0 && !writing {
                throw DAFError(DAF_E_CORRUPT, "spill file: truncated (offset \(offset + done) is past its end)")
            } else {
                let reason = n < 0 ? String(cString: strerror(errno)) : "no progress"
                throw DAFError(DAF_E_IO, "spill file: \(writing ? "writing" : "reading") \(count) bytes at offset \(offset) failed: \(reason)")
            }
        }
    }
}
