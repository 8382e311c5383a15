// SPDX-License-Identifier: MIT
// Which build of the packing kernels a `.simd` call takes. On x86-64 the library carries two:
// the DAF module's own (AVX2, x86-64-v3) and DAFKernelsAVX512 (the same Swift sources built for
// x86-64-v4, SIMD16 in one zmm register). A CPU with AVX-512 runs both roundings on the AVX-512
// build, measured faster for each bit width (Sources/daf-bench/README.md). The environment
// variable DAF_KERNELS=avx2 keeps every call on the AVX2 build, for comparisons.
import DAFPlatform
#if canImport(Glibc)
import Glibc
#endif

enum KernelChoice {
    enum Setting { case avx2Only, avx512 }

    /// Whether this process can run the AVX-512 build at all.
    static let avx512Available: Bool = {
        #if canImport(DAFKernelsAVX512)
        return daf_platform_cpu_has_avx512() != 0
        #else
        return false
        #endif
    }()

    /// Decided once per process.
    static let setting: Setting = {
        #if canImport(DAFKernelsAVX512)
        guard avx512Available else { return .avx2Only }
        return getenv("DAF_KERNELS").map({ String(cString: $0) }) == "avx2" ? .avx2Only : .avx512
        #else
        return .avx2Only
        #endif
    }()

    /// Whether a call with these kernels runs on the AVX-512 build.
    static func usesAVX512(_ kernels: Kernels) -> Bool {
        switch kernels {
        case .reference, .baselineSIMD: return false
        case .avx512: return avx512Available
        case .simd: break
        }
        return setting == .avx512
    }
}
