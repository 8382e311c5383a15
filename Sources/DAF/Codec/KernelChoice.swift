// Which build of the packing kernels a `.simd` call takes. On x86-64 the library carries two:
// the DAF module's own (AVX2, x86-64-v3) and DAFKernelsAVX512 (the same Swift sources built for
// x86-64-v4, SIMD16 in one zmm register). A CPU with AVX-512 runs stochastic rounding on the
// AVX-512 build; nearest rounding stays on AVX2, which measured faster for it (README, Speed).
// The environment variable DAF_KERNELS overrides this for comparisons: "avx2" keeps every call
// on the AVX2 build, "avx512" sends both roundings to the AVX-512 build (if the CPU has it).
import DAFPlatform
#if canImport(Glibc)
import Glibc
#endif

enum KernelChoice {
    enum Setting { case avx2Only, stochasticOnAVX512, allOnAVX512 }

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
        switch getenv("DAF_KERNELS").map({ String(cString: $0) }) {
        case "avx2": return .avx2Only
        case "avx512": return .allOnAVX512
        default: return .stochasticOnAVX512
        }
        #else
        return .avx2Only
        #endif
    }()

    /// Whether a call with these kernels and rounding runs on the AVX-512 build.
    static func usesAVX512(_ kernels: Kernels, _ rounding: Rounding) -> Bool {
        switch kernels {
        case .reference, .baselineSIMD: return false
        case .avx512: return avx512Available
        case .simd: break
        }
        return switch setting {
        case .avx2Only: false
        case .stochasticOnAVX512: rounding == .stochastic
        case .allOnAVX512: true
        }
    }
}
