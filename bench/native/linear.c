/**
 * @file W3 of the native floor, fused over blocks of rows as xent's paired kernel is: per block of at
 * most 16M logits, Z = H_b·Wᵀ, G = (softmax(Z) − onehot) / n in place, ∂H_b = G·W, ∂W += Gᵀ·H_b.
 */
#include <stdio.h>
#include <stdlib.h>

#include "gemm.h"
#include "rows.h"
#include "workloads.h"

#define BLOCK_LOGITS (16L << 20)

static float *block;
static long block_size;

void w3_linear_cross_entropy(long n, long d, long v, const float *h, const float *w, const int32_t *y, float *loss,
                             float *dh, float *dw) {
  long rows = BLOCK_LOGITS / v < 1 ? 1 : BLOCK_LOGITS / v;
  if (rows > n) rows = n;
  if (block_size < rows * v) {
    free(block);
    block = malloc(sizeof(float) * (size_t)(rows * v));
    block_size = rows * v;
    if (block == NULL) {
      fprintf(stderr, "Error: cannot allocate a block of %ld logits\n", rows * v);
      exit(1);
    }
  }
  double total = 0;
  for (long i0 = 0; i0 < n; i0 += rows) {
    long nb = n - i0 < rows ? n - i0 : rows;
    const float *hb = h + i0 * d;
    gemm(nb, d, v, hb, d, 1, w, 1, d, block, v, 0);
    for (long i = 0; i < nb; i++) total += ce_row(block + i * v, v, y[i0 + i], 1.0f / (float)n, block + i * v);
    gemm(nb, v, d, block, v, 1, w, d, 1, dh + i0 * d, d, 0);
    gemm(v, nb, d, block, 1, v, hb, d, 1, dw, d, i0 > 0);
  }
  *loss = (float)(total / (double)n);
}
