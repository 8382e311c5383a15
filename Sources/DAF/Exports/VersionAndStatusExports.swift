// Exports: version and status description calls of include/daf.h.
import CDAF

@c @implementation
public func daf_version_number() -> UInt32 {
    UInt32(DAF_VERSION_MAJOR * 10000 + DAF_VERSION_MINOR * 100 + DAF_VERSION_PATCH)
}

private let versionString: StaticString = "0.1.0"

@c @implementation
public func daf_version_string() -> UnsafePointer<CChar>? {
    StatusText.cString(versionString)
}

@c @implementation
public func daf_status_name(_ status: Int32) -> UnsafePointer<CChar>? {
    StatusText.cString(StatusText.entry(status).name)
}

@c @implementation
public func daf_status_message(_ status: Int32) -> UnsafePointer<CChar>? {
    StatusText.cString(StatusText.entry(status).message)
}

@c @implementation
public func daf_last_error(_ ctx: OpaquePointer?) -> UnsafePointer<CChar>? {
    LastError.message(owner: UInt(bitPattern: ctx))
}
