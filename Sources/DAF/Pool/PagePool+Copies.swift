// SPDX-License-Identifier: MIT
// Copying bytes into and out of a block of the paged pool, page by page along its list, spread
// over threads for large copies. In-place access without a copy is PagePool+Contiguity.swift.
import CDAF

extension PagePool {
    private func checkRange(_ slot: Int, offset: Int, count: Int) throws(DAFError) {
        let size = blocks[slot].bytes
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw DAFError(DAF_E_OUT_OF_RANGE, "range \(UInt(bitPattern: offset)) + \(UInt(bitPattern: count)) exceeds the block's \(size) bytes")
        }
    }

    /// Calls body(pointer into a page, offset into the caller's buffer, bytes) for each piece
    /// of [offset, offset + count) of the block, in order.
    private func forEachPiece(_ slot: Int, offset: Int, count: Int,
                              _ body: (UnsafeMutableRawPointer, Int, Int) -> Void) {
        guard count > 0 else { return }
        var page = blocks[slot].head
        for _ in 0..<(offset >> config.pageShift) { page = link(page) }
        var inPage = offset & (pageSize - 1), done = 0
        while true {
            let n = min(count - done, pageSize - inPage)
            body(address(page) + inPage, done, n)
            done += n
            if done == count { return }
            inPage = 0
            page = link(page)
        }
    }

    /// Copies source[0..<count] into the block at `offset`; large copies are spread over
    /// `parallelism` (see forEachPiece).
    mutating func write(_ block: UInt64, offset: Int, from source: UnsafeRawPointer?, count: Int,
                        parallelism: Parallelism = .serial) throws(DAFError) {
        let slot = try slot(of: block)
        guard source != nil || count == 0 else { throw .null("src") }
        try checkRange(slot, offset: offset, count: count)
        guard let source else { return }
        forEachPiece(slot, offset: offset, count: count, parallelism: parallelism) { page, done, n in
            page.copyMemory(from: source + done, byteCount: n)
        }
    }

    func read(_ block: UInt64, offset: Int, into destination: UnsafeMutableRawPointer?, count: Int,
              parallelism: Parallelism = .serial) throws(DAFError) {
        let slot = try slot(of: block)
        guard destination != nil || count == 0 else { throw .null("dst") }
        try checkRange(slot, offset: offset, count: count)
        guard let destination else { return }
        forEachPiece(slot, offset: offset, count: count, parallelism: parallelism) { page, done, n in
            (destination + done).copyMemory(from: page, byteCount: n)
        }
    }

    /// Copies of at least this many bytes are spread over threads (below, waking a worker
    /// costs about what it saves).
    static let parallelCopyBytes = 4 << 20

    /// forEachPiece, spread over `parallelism` for large ranges: the pieces are listed first
    /// (the page list is walked once, in order), then handed out in runs of about 1 MiB. The
    /// pieces never overlap, so `body` may run for several at once.
    private func forEachPiece(_ slot: Int, offset: Int, count: Int, parallelism: Parallelism,
                              _ body: (UnsafeMutableRawPointer, Int, Int) -> Void) {
        guard parallelism.threads > 1, count >= PagePool.parallelCopyBytes else {
            return forEachPiece(slot, offset: offset, count: count, body)
        }
        var pieces: [(page: UnsafeMutableRawPointer, done: Int, bytes: Int)] = []
        forEachPiece(slot, offset: offset, count: count) { pieces.append(($0, $1, $2)) }
        let perPart = max(1, (1 << 20) >> config.pageShift)
        pieces.withUnsafeBufferPointer { pieces in
            parallelism.forEach(parts: (pieces.count + perPart - 1) / perPart) { part in
                for piece in pieces[(part * perPart)..<min(pieces.count, (part + 1) * perPart)] {
                    body(piece.page, piece.done, piece.bytes)
                }
            }
        }
    }
}
