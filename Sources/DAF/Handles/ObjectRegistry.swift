// SPDX-License-Identifier: MIT
// Live library objects by id. The opaque pointers handed to C are these ids, never addresses:
// a stale, double-destroyed or made-up pointer is simply not found (DAF_E_INVALID_CONTEXT or
// DAF_E_INVALID_POOL).
// An id is generation << 24 | slot << 2 | kind: the kind (1 = context, 2 = pool) keeps one
// kind's id from ever naming another kind's object (and real, aligned addresses have kind 0),
// and a slot's generation grows on every reuse, so an old pointer can never reach a newer
// object. Lookup is an array index under a lock, not a hash: it is on every call's path.
import CDAF
import Synchronization

final class ObjectRegistry<Object: AnyObject & Sendable>: Sendable {
    private struct Slot {
        var generation: UInt = 0
        var object: Object? = nil
    }

    private struct Table {
        var slots: [Slot] = []
        var free: [Int] = []
    }

    static var maxSlots: Int { 1 << 22 }
    /// A slot whose generation reaches this is retired rather than reused.
    static var maxGeneration: UInt { (1 << (UInt.bitWidth - 24)) - 1 }

    private let table = Locked(Table())
    private let kind: UInt

    /// `kind` in 1...3 tags this registry's ids.
    init(kind: UInt) {
        self.kind = kind & 3
    }

    func register(_ object: Object) throws(DAFError) -> UInt {
        try table.withLock { table throws(DAFError) -> UInt in
            let slot: Int
            if let reused = table.free.popLast() {
                slot = reused
            } else {
                guard table.slots.count < Self.maxSlots else {
                    throw DAFError(DAF_E_NO_MEMORY, "\(Self.maxSlots) objects of this kind are alive already")
                }
                slot = table.slots.count
                table.slots.append(Slot())
            }
            table.slots[slot].generation += 1
            table.slots[slot].object = object
            return table.slots[slot].generation << 24 | UInt(slot) << 2 | kind
        }
    }

    private func slot(_ id: UInt, in table: Table) -> Int? {
        let slot = Int((id >> 2) & UInt(Self.maxSlots - 1))
        guard id & 3 == kind, slot < table.slots.count, table.slots[slot].generation == id >> 24,
              table.slots[slot].object != nil else { return nil }
        return slot
    }

    /// A strong reference, so the object outlives this call even if another thread removes it.
    func lookup(_ id: UInt) -> Object? {
        table.withLock { table in slot(id, in: table).flatMap { table.slots[$0].object } }
    }

    func remove(_ id: UInt) -> Object? {
        table.withLock { table in
            guard let slot = slot(id, in: table) else { return nil }
            let object = table.slots[slot].object
            table.slots[slot].object = nil
            if table.slots[slot].generation < Self.maxGeneration { table.free.append(slot) }
            return object
        }
    }
}

/// Process-wide source of activation handles: nonzero, never reused, unique across contexts.
let handleCounter = Atomic<UInt64>(1)
