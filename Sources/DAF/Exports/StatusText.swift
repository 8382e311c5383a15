// Names and messages of the status codes, in the order of DAF_STATUS_LIST in include/daf.h.
// The C ABI test checks every entry of that list against daf_status_name, so the two cannot drift.
import CDAF

enum StatusText {
    static let table: [(code: daf_status, name: StaticString, message: StaticString)] = [
        (DAF_OK, "DAF_OK", "success"),
        (DAF_E_NULL_ARGUMENT, "DAF_E_NULL_ARGUMENT", "a required pointer argument is NULL"),
        (DAF_E_INVALID_ARGUMENT, "DAF_E_INVALID_ARGUMENT", "an argument is outside its documented range"),
        (DAF_E_STRUCT_SIZE, "DAF_E_STRUCT_SIZE", "struct_size is not one this library understands"),
        (DAF_E_OVERFLOW, "DAF_E_OVERFLOW", "an element count or byte size is too large to represent"),
        (DAF_E_MISALIGNED, "DAF_E_MISALIGNED", "a float pointer is not aligned to 4 bytes"),
        (DAF_E_DST_TOO_SMALL, "DAF_E_DST_TOO_SMALL", "the destination buffer is too small"),
        (DAF_E_CORRUPT, "DAF_E_CORRUPT", "the packed data is truncated, corrupted or not a libdaf blob"),
        (DAF_E_UNSUPPORTED_FORMAT, "DAF_E_UNSUPPORTED_FORMAT", "the packed data uses a format version this library cannot read"),
        (DAF_E_SIZE_MISMATCH, "DAF_E_SIZE_MISMATCH", "the element count does not match the saved tensor"),
        (DAF_E_OUT_OF_RANGE, "DAF_E_OUT_OF_RANGE", "the element range lies outside the tensor"),
        (DAF_E_NO_MEMORY, "DAF_E_NO_MEMORY", "memory could not be allocated"),
        (DAF_E_INVALID_CONTEXT, "DAF_E_INVALID_CONTEXT", "the pointer is not a live libdaf context"),
        (DAF_E_UNKNOWN_HANDLE, "DAF_E_UNKNOWN_HANDLE", "the handle is 0, released, or belongs to another context"),
        (DAF_E_INTERNAL, "DAF_E_INTERNAL", "internal error in libdaf (a bug: please report it)"),
        (DAF_E_BUDGET_EXCEEDED, "DAF_E_BUDGET_EXCEEDED",
         "the memory budget is reached and the policy allows no eviction that would make room"),
        (DAF_E_IO, "DAF_E_IO", "reading or writing the spill file failed"),
        (DAF_E_RECOMPUTE_FAILED, "DAF_E_RECOMPUTE_FAILED", "the recompute callback reported a failure"),
    ]

    static let unknownName: StaticString = "DAF_E_UNKNOWN_STATUS"
    static let unknownMessage: StaticString = "unknown status code (not one libdaf returns)"

    static func cString(_ text: StaticString) -> UnsafePointer<CChar> {
        UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
    }

    static func entry(_ status: Int32) -> (name: StaticString, message: StaticString) {
        guard let found = table.first(where: { $0.code.rawValue == status }) else { return (unknownName, unknownMessage) }
        return (found.name, found.message)
    }
}
