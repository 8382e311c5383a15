// SPDX-License-Identifier: MIT
// Row-major single-precision matrix products through OpenBLAS's cblas_sgemm, and the thread
// count OpenBLAS uses. The one place the trainer touches BLAS.
import COpenBLAS

enum Matmul {
    /// C (m x n) = op(A) * op(B) + beta * C, all row-major. op(A) is m x k (A is k x m when
    /// transposeA), op(B) is k x n (B is n x k when transposeB); leading dimensions are the
    /// stored row lengths.
    static func gemm(_ a: UnsafePointer<Float>, transposeA: Bool = false,
                     _ b: UnsafePointer<Float>, transposeB: Bool = false,
                     into c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int, beta: Float = 0) {
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1,
                    a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n),
                    beta, c, Int32(n))
    }

    /// Sets OpenBLAS's thread count (it would otherwise start one per core, whatever else runs).
    static func setThreads(_ threads: Int) { openblas_set_num_threads(Int32(threads)) }
}
