/**
 * @file Row kernels of the native floor: each walks one row (at most a few hundred KiB, so from cache
 * after the first walk) with the machine's vectors; a row is read from memory once.
 */
#ifndef XENT_NATIVE_ROWS_H
#define XENT_NATIVE_ROWS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "vec.h"

static inline float row_max(const float *z, long v) {
  vf m = vsplat(-INFINITY);
  long j = 0;
  for (; j + VW <= v; j += VW) m = vmax(m, vload(z + j));
  float s = hmax(m);
  for (; j < v; j++) s = z[j] > s ? z[j] : s;
  return s;
}

/** Σ_j e^(z_j − m), writing each term to e[j] when e is not NULL (e may be z). */
static inline double row_exp_sum(const float *z, float m, float *e, long v) {
  vf s0 = vsplat(0), s1 = vsplat(0);
  vf mv = vsplat(m);
  long j = 0;
  for (; j + 2 * VW <= v; j += 2 * VW) {
    vf e0 = vexp(vload(z + j) - mv), e1 = vexp(vload(z + j + VW) - mv);
    if (e != NULL) {
      vstore(e + j, e0);
      vstore(e + j + VW, e1);
    }
    s0 += e0;
    s1 += e1;
  }
  double s = (double)hsum(s0) + hsum(s1);
  for (; j < v; j++) {
    float t = sexp(z[j] - m);
    if (e != NULL) e[j] = t;
    s += t;
  }
  return s;
}

static inline void row_scale(float *g, float a, long v) {
  vf av = vsplat(a);
  long j = 0;
  for (; j + VW <= v; j += VW) vstore(g + j, vload(g + j) * av);
  for (; j < v; j++) g[j] *= a;
}

/**
 * One row of cross-entropy: returns lse(z) − z_y and writes g = (softmax(z) − onehot(y)) · scale
 * (g may be z): max, exp-and-sum, scale.
 */
static inline double ce_row(const float *z, long v, int32_t y, float scale, float *g) {
  float zy = z[y];
  float m = row_max(z, v);
  double s = row_exp_sum(z, m, g, v);
  row_scale(g, (float)(scale / s), v);
  g[y] -= scale;
  return m + log(s) - zy;
}

#endif
