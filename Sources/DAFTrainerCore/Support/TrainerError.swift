// SPDX-License-Identifier: MIT
// The trainer's failures, each with a message a person can act on. A failed libdaf call is one
// of them: the trainer never continues past it, since its figures would be meaningless.
import CDAF

public enum TrainerError: Error, CustomStringConvertible, Sendable {
    case dataMissing(path: String)
    case textMissing(path: String)
    case dataCorrupt(path: String, reason: String)
    case libdaf(call: String, status: Int32, detail: String)
    case unavailable(String)

    public var description: String {
        switch self {
        case .dataMissing(let path):
            return "Fashion-MNIST is not installed: \(path) does not exist. Install Debian's package "
                + "dataset-fashion-mnist (apt-get install dataset-fashion-mnist), or pass --data-dir "
                + "with the four gzipped IDX files."
        case .textMissing(let path):
            return "The fortunes text is not installed: \(path) holds no plain fortune files. Install Debian's "
                + "package fortunes (apt-get install fortunes), or pass --data-dir with a folder of text files."
        case .dataCorrupt(let path, let reason):
            return "\(path) is not a usable gzipped IDX file: \(reason)"
        case .libdaf(let call, let status, let detail):
            return "\(call) failed: \(String(cString: daf_status_name(status))): \(detail)"
        case .unavailable(let message):
            return message
        }
    }
}

/// Throws TrainerError.libdaf unless status is DAF_OK; ctx is the call's context or nil.
func checkDAF(_ status: Int32, _ call: String, _ ctx: OpaquePointer?) throws {
    guard status != 0 else { return }
    throw TrainerError.libdaf(call: call, status: status, detail: String(cString: daf_last_error(ctx)))
}
