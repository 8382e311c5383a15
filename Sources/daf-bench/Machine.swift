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

    /// x86: cpuinfo's "model name". ARM, whose cpuinfo has none: the board's device-tree model
    /// and the cores named by their "CPU implementer"/"CPU part" (raw ids when not in
    /// armCoreNames), e.g. "Raspberry Pi 5 Model B Rev 1.0 (Arm Cortex-A76 x4)"; without
    /// either, the machine name of uname.
    static var cpuModel: String? {
        let cpuinfo = readFile("/proc/cpuinfo") ?? ""
        if let name = field("model name", in: cpuinfo) { return name }
        let board = readFile("/proc/device-tree/model").map { String($0.prefix { $0 != "\0" }).trimmingSpaces }
        let cores = armCores(cpuinfo)
        switch (board, cores) {
        case let (board?, cores?) where !board.isEmpty: return "\(board) (\(cores))"
        case let (board?, nil) where !board.isEmpty: return board
        case let (_, cores?): return cores
        default: return unameMachine
        }
    }

    /// The value of the first "key : value" line of cpuinfo with this key.
    static func field(_ key: String, in cpuinfo: String) -> String? {
        cpuinfo.split(separator: "\n").first { $0.hasPrefix(key) && $0.dropFirst(key.count).first.map { $0 == " " || $0 == "\t" || $0 == ":" } == true }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingSpaces }
    }

    /// The ARM cores of cpuinfo, one entry per kind in order of first appearance with its
    /// count: "Arm Cortex-A76 x4", "Arm Cortex-A55 x4, Arm Cortex-A76 x4" (big.LITTLE).
    static func armCores(_ cpuinfo: String) -> String? {
        var kinds: [(name: String, count: Int)] = []
        var implementer: String?
        for line in cpuinfo.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingSpaces }
            guard parts.count == 2 else { continue }
            if parts[0] == "CPU implementer" { implementer = parts[1] }
            guard parts[0] == "CPU part", let vendor = implementer else { continue }
            let name = armCoreNames["\(vendor.lowercased()):\(parts[1].lowercased())"]
                ?? "CPU implementer \(vendor) part \(parts[1])"
            if let k = kinds.firstIndex(where: { $0.name == name }) { kinds[k].count += 1 } else { kinds.append((name, 1)) }
        }
        return kinds.isEmpty ? nil : kinds.map { "\($0.name) x\($0.count)" }.joined(separator: ", ")
    }

    /// "implementer:part" of /proc/cpuinfo (Arm's MIDR fields) for the cores of common edge
    /// boards and ARM servers, from Arm's and NVIDIA's technical reference manuals.
    static let armCoreNames: [String: String] = [
        "0x41:0xd03": "Arm Cortex-A53", "0x41:0xd04": "Arm Cortex-A35", "0x41:0xd05": "Arm Cortex-A55",
        "0x41:0xd07": "Arm Cortex-A57", "0x41:0xd08": "Arm Cortex-A72", "0x41:0xd09": "Arm Cortex-A73",
        "0x41:0xd0a": "Arm Cortex-A75", "0x41:0xd0b": "Arm Cortex-A76", "0x41:0xd0c": "Arm Neoverse-N1",
        "0x41:0xd0d": "Arm Cortex-A77", "0x41:0xd40": "Arm Neoverse-V1", "0x41:0xd41": "Arm Cortex-A78",
        "0x41:0xd42": "Arm Cortex-A78AE", "0x41:0xd44": "Arm Cortex-X1", "0x41:0xd46": "Arm Cortex-A510",
        "0x41:0xd47": "Arm Cortex-A710", "0x41:0xd48": "Arm Cortex-X2", "0x41:0xd49": "Arm Neoverse-N2",
        "0x41:0xd4b": "Arm Cortex-A78C", "0x41:0xd4f": "Arm Neoverse-V2", "0x41:0xd80": "Arm Cortex-A520",
        "0x41:0xd81": "Arm Cortex-A720",
        "0x4e:0x004": "NVIDIA Carmel",
    ]

    static var unameMachine: String? {
        var names = utsname()
        guard uname(&names) == 0 else { return nil }
        return withUnsafeBytes(of: &names.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
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
