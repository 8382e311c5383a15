// SPDX-License-Identifier: MIT
// Reproducible randomness for weights and shuffling: SplitMix64 (Steele, Lea, Flood, "Fast
// splittable pseudorandom number generators", OOPSLA 2014) and Box-Muller normals. Not for
// anything that needs cryptographic quality.
import Glibc

public struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1]: never 0, so the logarithm below is finite.
    mutating func unitInterval() -> Double { Double((next() >> 11) + 1) / Double(1 << 53) }

    /// A standard normal value (Box-Muller; the second value of each pair is dropped).
    public mutating func normal() -> Float {
        let radius = (-2 * log(unitInterval())).squareRoot()
        return Float(radius * cos(2 * Double.pi * unitInterval()))
    }
}
