// SPDX-License-Identifier: MIT
// Exports: version and status description calls of include/daf.h. The texts come from the
// header's own DAF_STATUS_LIST and DAF_VERSION_STRING, expanded in C (DAFPlatform/status_text.c).
import CDAF
import DAFPlatform

@c @implementation
public func daf_version_number() -> UInt32 {
    UInt32(DAF_VERSION_MAJOR * 10000 + DAF_VERSION_MINOR * 100 + DAF_VERSION_PATCH)
}

@c @implementation
public func daf_version_string() -> UnsafePointer<CChar>? {
    dafi_version_string()
}

private let unknownName: StaticString = "DAF_E_UNKNOWN_STATUS"
private let unknownMessage: StaticString = "unknown status code (not one libdaf returns)"

private func cString(_ text: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
}

@c @implementation
public func daf_status_name(_ status: Int32) -> UnsafePointer<CChar>? {
    dafi_status_name(status) ?? cString(unknownName)
}

@c @implementation
public func daf_status_message(_ status: Int32) -> UnsafePointer<CChar>? {
    dafi_status_message(status) ?? cString(unknownMessage)
}

@c @implementation
public func daf_last_error(_ ctx: OpaquePointer?) -> UnsafePointer<CChar>? {
    LastError.message(owner: UInt(bitPattern: ctx))
}
