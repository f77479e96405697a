/**
 * @file The native floor's matrix product: B is packed into [KC × NR] panels that stay in cache while
 * a 4 × NR register tile of C accumulates over them (NR = 4 vectors), the usual GEMM blocking.
 */
#include "gemm.h"

#include "vec.h"

#define MR 4
#define NV 4
#define NR (NV * VW)
#define KC 256

static float panel[KC * NR] __attribute__((aligned(64)));

/** C[MR × NR] (+)= A[MR × kc] · panel[kc × NR], the tile held in registers. */
static void tile(long kc, const float *a, long ars, long acs, float *c, long ldc, int add) {
  vf acc[MR][NV];
#pragma GCC unroll 4
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[r][v] = vsplat(0);
  for (long q = 0; q < kc; q++) {
    vf b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) b[v] = vload(panel + q * NR + v * VW);
#pragma GCC unroll 4
    for (int r = 0; r < MR; r++) {
      vf ar = vsplat(a[r * ars + q * acs]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[r][v] += ar * b[v];
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) {
      float *cp = c + r * ldc + v * VW;
      vstore(cp, add ? vload(cp) + acc[r][v] : acc[r][v]);
    }
}

/** One row of C against the panel's first nr columns (the edges the tiles do not cover). */
static void edge_row(long kc, long nr, const float *a, long acs, float *c, int add) {
  for (long j = 0; j < nr; j++) {
    float s = 0;
    for (long q = 0; q < kc; q++) s += a[q * acs] * panel[q * NR + j];
    c[j] = add ? c[j] + s : s;
  }
}

/** panel[q, j] = B(q0 + q, j0 + j), zero past column nr; walks B along its contiguous axis. */
static void pack(long kc, long nr, const float *b, long brs, long bcs) {
  if (bcs == 1) {
    for (long q = 0; q < kc; q++)
      for (long j = 0; j < NR; j++) panel[q * NR + j] = j < nr ? b[q * brs + j] : 0;
  } else {
    for (long j = 0; j < NR; j++)
      for (long q = 0; q < kc; q++) panel[q * NR + j] = j < nr ? b[q * brs + j * bcs] : 0;
  }
}

void gemm(long n, long k, long m, const float *a, long ars, long acs, const float *b, long brs, long bcs, float *c,
          long ldc, int accumulate) {
  for (long j0 = 0; j0 < m; j0 += NR) {
    long nr = m - j0 < NR ? m - j0 : NR;
    for (long q0 = 0; q0 < k; q0 += KC) {
      long kc = k - q0 < KC ? k - q0 : KC;
      pack(kc, nr, b + q0 * brs + j0 * bcs, brs, bcs);
      int add = accumulate || q0 > 0;
      long i = 0;
      if (nr == NR)
        for (; i + MR <= n; i += MR) tile(kc, a + i * ars + q0 * acs, ars, acs, c + i * ldc + j0, ldc, add);
      for (; i < n; i++) edge_row(kc, nr, a + i * ars + q0 * acs, acs, c + i * ldc + j0, add);
    }
  }
}
