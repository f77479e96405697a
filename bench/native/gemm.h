/** @file The native floor's matrix product: blocked and register-tiled for the machine's vectors, no BLAS. */
#ifndef XENT_NATIVE_GEMM_H
#define XENT_NATIVE_GEMM_H

/**
 * C (+)= A·B over C[n×m] row-major (leading dimension ldc), with A(i, q) = a[i·ars + q·acs] and
 * B(q, j) = b[q·brs + j·bcs], so either operand may be read transposed; `accumulate` adds to C.
 */
void gemm(long n, long k, long m, const float *a, long ars, long acs, const float *b, long brs, long bcs, float *c,
          long ldc, int accumulate);

#endif
