// Live library objects by id. The opaque pointers handed to C are these ids, never addresses:
// a stale, double-destroyed or made-up pointer is simply not found (DAF_E_INVALID_CONTEXT),
// and since ids are never reused, an old pointer can never reach a newer object.
import Synchronization

final class ObjectRegistry<Object: AnyObject & Sendable>: Sendable {
    private let objects = Locked<[UInt: Object]>([:])
    private let nextID = Atomic<UInt>(1)

    func register(_ object: Object) -> UInt {
        let id = nextID.add(1, ordering: .relaxed).oldValue
        objects.withLock { $0[id] = object }
        return id
    }

    /// A strong reference, so the object outlives this call even if another thread removes it.
    func lookup(_ id: UInt) -> Object? {
        objects.withLock { $0[id] }
    }

    func remove(_ id: UInt) -> Object? {
        objects.withLock { $0.removeValue(forKey: id) }
    }
}

/// Process-wide source of activation handles: nonzero, never reused, unique across contexts.
let handleCounter = Atomic<UInt64>(1)
