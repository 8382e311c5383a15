// SPDX-License-Identifier: MIT
// Reading and writing the caller's versioned structs (uint32_t struct_size first, fields only
// appended). A caller's struct may be the size of any released version of it (its 0.1.0 size
// upward) or larger than this library's: only min(declared, known) bytes are ever touched.
import CDAF

/// A struct_size above this is taken for an uninitialized struct, not a future version, so a
/// garbage size never makes the library read or write far past the caller's struct.
let versionedStructSizeLimit = 4096

/// One public struct's history: the size it had in each released version (0.1.0 first). The
/// current layout is MemoryLayout<T>; sizes between two versions are refused, so a field is
/// never half read. When a version that appended fields ships, its size joins `released`.
struct VersionedLayout<T> {
    let name: String
    private(set) var released: [Int]

    /// A struct first released with everything up to and including `lastField` (its size is
    /// that field's end rounded up to the struct's alignment). Offsets are frozen, so this
    /// stays true after appends.
    init<Field>(_ name: String, firstReleasedEndingAt lastField: KeyPath<T, Field>) {
        self.name = name
        self.released = [Self.size(endingAt: lastField)]
    }

    /// The same struct with a later release that ended at `lastField`.
    func releasedAgain<Field>(endingAt lastField: KeyPath<T, Field>) -> Self {
        var later = self
        later.released.append(Self.size(endingAt: lastField))
        return later
    }

    private static func size<Field>(endingAt lastField: KeyPath<T, Field>) -> Int {
        let end = MemoryLayout<T>.offset(of: lastField)! + MemoryLayout<Field>.size
        let align = MemoryLayout<T>.alignment
        return (end + align - 1) / align * align
    }

    var known: Int { MemoryLayout<T>.size }
    var oldest: Int { released[0] }

    /// The caller's struct_size, if it is one this library can serve.
    func accepted(_ declared: Int) throws(DAFError) -> Int {
        if released.contains(declared) || (declared >= known && declared <= versionedStructSizeLimit) {
            return declared
        }
        let sizes = (released.filter { $0 < known }.map(String.init) + ["\(known)...\(versionedStructSizeLimit)"])
            .joined(separator: ", ")
        throw DAFError(DAF_E_STRUCT_SIZE, "\(name).struct_size is \(declared); this library takes \(sizes) "
                       + "(set it to sizeof(\(name)), or fill the struct with its _init call)")
    }

    /// Copies the caller's input struct over `defaults`: the fields its version has, and the
    /// defaults for the fields it predates.
    func read(_ pointer: UnsafeRawPointer, defaults: T) throws(DAFError) -> T {
        let declared = try accepted(Int(pointer.loadUnaligned(as: UInt32.self)))
        if declared > known {
            let tail = UnsafeRawBufferPointer(start: pointer + known, count: declared - known)
            if let offset = tail.firstIndex(where: { $0 != 0 }) {
                throw DAFError(DAF_E_STRUCT_SIZE,
                               "\(name).struct_size is \(declared): byte \(known + offset) is a field "
                               + "this library (\(known) bytes) does not know, and it is not zero")
            }
        }
        var value = defaults
        withUnsafeMutableBytes(of: &value) { bytes in
            bytes.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: min(declared, known)))
        }
        return value
    }

    /// Writes `value` into the caller's output struct, whose struct_size the caller has set:
    /// the fields its version has; bytes beyond this library's struct are zeroed.
    func write(_ value: T, to pointer: UnsafeMutableRawPointer) throws(DAFError) {
        let declared = try accepted(Int(pointer.loadUnaligned(as: UInt32.self)))
        fill(pointer, size: declared, with: value)
    }

    /// Writes `value` as a struct of `size` bytes (an accepted size) and sets its struct_size.
    func fill(_ pointer: UnsafeMutableRawPointer, size: Int, with value: T) {
        withUnsafeBytes(of: value) { bytes in pointer.copyMemory(from: bytes.baseAddress!, byteCount: min(size, known)) }
        if size > known { (pointer + known).initializeMemory(as: UInt8.self, repeating: 0, count: size - known) }
        pointer.storeBytes(of: UInt32(truncatingIfNeeded: size), as: UInt32.self)
    }
}
