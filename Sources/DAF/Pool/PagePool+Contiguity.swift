// SPDX-License-Identifier: MIT
// Whether a block's pages happen to form one contiguous range of memory, so that its bytes can
// be read or written in place through one pointer (a context's no-copy save and restore).
// Only a question: allocation does not promise it (see PagePool.takePages for when it holds).
extension PagePool {
    /// The address of the block's first byte when every page follows the one before it in
    /// memory (consecutive pages of a chunk, or across chunks mapped back to back), else nil.
    /// Walks the block's list: ~1000 links for 64 MiB of 64 KiB pages, far less than any pass
    /// over the data. The answer holds until the block is freed, truncated or moved (a shrink).
    func contiguousBase(of block: UInt64) throws(DAFError) -> UnsafeMutableRawPointer? {
        let record = blocks[try slot(of: block)]
        guard record.pages > 0 else { return nil }
        let base = address(record.head)
        var page = record.head, expected = base
        for _ in 1..<record.pages {
            page = link(page)
            expected += pageSize
            guard address(page) == expected else { return nil }
        }
        return base
    }
}
