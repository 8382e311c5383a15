// SPDX-License-Identifier: MIT
// The one error type of the Swift core: a daf.h status plus a detail message for
// daf_last_error. It never crosses the C boundary; Exports/ turns it into an int status.
import CDAF

struct DAFError: Error {
    let status: Int32
    let detail: String
    /// For DAF_E_DST_TOO_SMALL: the bytes that would have been enough.
    var needed = 0

    init(_ status: daf_status, _ detail: String) {
        self.status = status.rawValue
        self.detail = detail
    }

    static func tooSmall(capacity: Int, needed: Int) -> DAFError {
        var error = DAFError(DAF_E_DST_TOO_SMALL, "dst_capacity is \(capacity) bytes, the blob needs \(needed)")
        error.needed = needed
        return error
    }

    static func null(_ argument: String) -> DAFError {
        DAFError(DAF_E_NULL_ARGUMENT, "\(argument) is NULL")
    }

    static func invalid(_ detail: String) -> DAFError {
        DAFError(DAF_E_INVALID_ARGUMENT, detail)
    }

    static func overflow(_ detail: String) -> DAFError {
        DAFError(DAF_E_OVERFLOW, detail)
    }

    static func corrupt(_ detail: String) -> DAFError {
        DAFError(DAF_E_CORRUPT, "packed blob: \(detail)")
    }
}

extension daf_status {
    /// The status as the int every C entry point returns.
    var code: Int32 { rawValue }
}
