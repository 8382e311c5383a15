// SPDX-License-Identifier: MIT
// Per-thread detail message behind daf_last_error: like errno, one slot per thread, tagged
// with the context it concerns (0 for calls without a context). Not a log; only the last one.
import Glibc

enum LastError {
    /// One thread's slot: the owner tag and a NUL-terminated message in a fixed buffer, so the
    /// pointer handed to C stays valid until this thread's next failure.
    private struct Slot {
        var owner: UInt = 0
        var text: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                   UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                   UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                   UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
             0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        static let capacity = 256
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        // The destructor frees a thread's slot when the thread exits.
        pthread_key_create(&key) { pointer in free(pointer) }
        return key
    }()

    private static let empty: StaticString = ""

    private static func slot(create: Bool) -> UnsafeMutablePointer<Slot>? {
        if let existing = pthread_getspecific(key) {
            return existing.assumingMemoryBound(to: Slot.self)
        }
        guard create, let raw = calloc(1, MemoryLayout<Slot>.size) else { return nil }
        let slot = raw.bindMemory(to: Slot.self, capacity: 1)
        slot.initialize(to: Slot())
        if pthread_setspecific(key, raw) != 0 {
            free(raw)
            return nil
        }
        return slot
    }

    /// Records `message` as this thread's last failure, concerning `owner` (0 = no context).
    static func record(_ message: String, owner: UInt) {
        guard let slot = slot(create: true) else { return }
        slot.pointee.owner = owner
        withUnsafeMutableBytes(of: &slot.pointee.text) { buffer in
            var utf8 = Array(message.utf8.prefix(Slot.capacity - 1))
            utf8.append(0)
            buffer.copyBytes(from: utf8)
        }
    }

    /// The message for `owner`, or "" if this thread's last failure concerned something else.
    static func message(owner: UInt) -> UnsafePointer<CChar> {
        if let slot = slot(create: false), slot.pointee.owner == owner {
            return UnsafeRawPointer(slot).advanced(by: MemoryLayout<Slot>.offset(of: \Slot.text)!)
                .assumingMemoryBound(to: CChar.self)
        }
        return UnsafeRawPointer(empty.utf8Start).assumingMemoryBound(to: CChar.self)
    }
}
