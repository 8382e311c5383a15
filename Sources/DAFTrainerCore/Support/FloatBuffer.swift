// SPDX-License-Identifier: MIT
// A float tensor's storage: one 64-byte aligned heap block with a count. The only raw-pointer
// owner in the trainer; layers receive its pointer. It is not a tensor type (no shape: each
// use names its shape in a comment).
import Glibc

public final class FloatBuffer {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// A buffer of `count` floats, zero-filled unless `zeroed` is false (for outputs that the
    /// next call overwrites completely).
    public init(count: Int, zeroed: Bool = true) {
        precondition(count >= 0)
        var raw: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&raw, 64, max(count, 1) * 4) == 0, let raw else {
            fatalError("daf-train: out of memory for \(count) floats")
        }
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        if zeroed { pointer.initialize(repeating: 0, count: max(count, 1)) }
        self.count = count
    }

    deinit { free(pointer) }

    public var bytes: Int { count * 4 }

    public subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    public func zero() { pointer.update(repeating: 0, count: count) }

    public func copy(from other: FloatBuffer) {
        precondition(other.count == count)
        pointer.update(from: other.pointer, count: count)
    }

    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
