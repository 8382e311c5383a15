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
        gemm(a, transposeA: transposeA, rowLength: transposeA ? m : k, b, transposeB: transposeB, rowLength: transposeB ? k : n,
             into: c, rowLength: n, m: m, n: n, k: k, beta: beta)
    }

    /// The same product on sub-matrices of wider row-major arrays: each `rowLength` is the
    /// stored row length of its array (e.g. one head's columns of a (T, 3C) QKV block). `alpha`
    /// scales the product.
    static func gemm(_ a: UnsafePointer<Float>, transposeA: Bool = false, rowLength lda: Int,
                     _ b: UnsafePointer<Float>, transposeB: Bool = false, rowLength ldb: Int,
                     into c: UnsafeMutablePointer<Float>, rowLength ldc: Int,
                     m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0) {
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Sets OpenBLAS's thread count (it would otherwise start one per core, whatever else runs).
    static func setThreads(_ threads: Int) { openblas_set_num_threads(Int32(threads)) }
}
