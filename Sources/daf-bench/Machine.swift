// SPDX-License-Identifier: MIT
// Facts about the machine for the JSON "machine" object: CPU model, cores, last-level cache,
// libdaf version. Read from /proc and /sys; absent facts are left out, not guessed.
import CDAF
import Glibc

enum Machine {
    static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var text = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), file) != nil {
            let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            text += String(decoding: bytes, as: UTF8.self)
        }
        return text
    }

    static var cpuModel: String? {
        readFile("/proc/cpuinfo")?.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingSpaces }
    }

    /// Size in bytes of the highest cache level cpu0 reports.
    static var lastLevelCacheBytes: Int? {
        for index in (0...4).reversed() {
            guard let text = readFile("/sys/devices/system/cpu/cpu0/cache/index\(index)/size") else { continue }
            let t = text.trimmingSpaces
            let unit = t.last
            guard let number = Int(t.filter(\.isNumber)) else { continue }
            return unit == "K" ? number * 1024 : unit == "M" ? number * 1024 * 1024 : number
        }
        return nil
    }

    static var cores: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    static var json: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("cores", .integer(cores)),
            ("libdaf", .string(String(cString: daf_version_string()))),
        ]
        if let model = cpuModel { fields.insert(("cpu", .string(model)), at: 0) }
        if let llc = lastLevelCacheBytes { fields.append(("llc_bytes", .integer(llc))) }
        #if arch(x86_64)
        fields.append(("arch", .string("x86_64")))
        #elseif arch(arm64)
        fields.append(("arch", .string("arm64")))
        #endif
        return .object(fields)
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" }).reversed())
    }
}
