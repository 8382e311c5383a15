// Reading and writing the caller's versioned structs (uint32_t struct_size first, fields only
// appended). Follows the rule in daf.h: smaller than 0.1's struct is refused; larger is fine if
// the bytes this library does not know are zero (inputs) and they are zeroed (outputs).
import CDAF

/// A struct_size above this is taken for an uninitialized struct, not a future version, so a
/// garbage size never makes the library read or write far past the caller's struct.
let versionedStructSizeLimit = 4096

private func declaredSize(_ pointer: UnsafeRawPointer, known: Int, name: String) throws(DAFError) -> Int {
    let declared = Int(pointer.loadUnaligned(as: UInt32.self))
    guard declared >= known, declared <= versionedStructSizeLimit else {
        throw DAFError(DAF_E_STRUCT_SIZE, "\(name).struct_size is \(declared); this library needs "
                       + "\(known)...\(versionedStructSizeLimit) (set it to sizeof(\(name)))")
    }
    return declared
}

/// Copies the caller's input struct into a value of T, starting from `defaults`.
func readVersioned<T>(_ pointer: UnsafeRawPointer, defaults: T, name: String) throws(DAFError) -> T {
    let known = MemoryLayout<T>.size
    let declared = try declaredSize(pointer, known: known, name: name)
    if declared > known {
        let tail = UnsafeRawBufferPointer(start: pointer + known, count: declared - known)
        if let offset = tail.firstIndex(where: { $0 != 0 }) {
            throw DAFError(DAF_E_STRUCT_SIZE,
                           "\(name).struct_size is \(declared): byte \(known + offset) is a field "
                           + "this library (\(known) bytes) does not know, and it is not zero")
        }
    }
    var value = defaults
    withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: known)) }
    return value
}

/// Writes `value` into the caller's output struct, whose struct_size the caller has set.
func writeVersioned<T>(_ value: T, to pointer: UnsafeMutableRawPointer, name: String) throws(DAFError) {
    let known = MemoryLayout<T>.size
    let declared = try declaredSize(UnsafeRawPointer(pointer), known: known, name: name)
    withUnsafeBytes(of: value) { bytes in pointer.copyMemory(from: bytes.baseAddress!, byteCount: known) }
    pointer.storeBytes(of: UInt32(truncatingIfNeeded: declared), as: UInt32.self)
    (pointer + known).initializeMemory(as: UInt8.self, repeating: 0, count: declared - known)
}
