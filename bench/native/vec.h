/**
 * @file The native floor's vectors: GCC vector extensions as wide as the machine's registers
 * (16 f32 lanes with AVX-512, 8 with AVX2, else 4), so `-O3 -march=native` vectorises without
 * `-ffast-math`, and a polynomial exp of the same class as xent's WebAssembly one.
 */
#ifndef XENT_NATIVE_VEC_H
#define XENT_NATIVE_VEC_H

#include <stdint.h>
#include <string.h>

#if defined(__AVX512F__)
#define VW 16
#elif defined(__AVX2__)
#define VW 8
#else
#define VW 4
#endif

typedef float vf __attribute__((vector_size(VW * 4)));
typedef int32_t vi __attribute__((vector_size(VW * 4)));

static inline vf vload(const float *p) {
  vf v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline void vstore(float *p, vf v) { memcpy(p, &v, sizeof v); }

/** Every lane a (a shuffle of lane 0: `(vf){0} + a` would add 0 to a, which strict IEEE rules keep). */
static inline vf vsplat(float a) { return __builtin_shuffle((vf){a}, (vi){0}); }

/** Lane-wise m ? a : b (m is all ones or all zeros per lane). */
static inline vf vselect(vi m, vf a, vf b) { return (vf)((m & (vi)a) | (~m & (vi)b)); }

static inline vf vmax(vf a, vf b) { return vselect(a > b, a, b); }

static inline vf vmin(vf a, vf b) { return vselect(a < b, a, b); }

static inline float hsum(vf v) {
  double s = 0;
  for (int k = 0; k < VW; k++) s += v[k];
  return (float)s;
}

static inline float hmax(vf v) {
  float m = v[0];
  for (int k = 1; k < VW; k++) m = v[k] > m ? v[k] : m;
  return m;
}

/**
 * e^x = 2^n · e^r with n = round(x·log2 e), r = x − n·ln 2 ∈ [−ln2/2, ln2/2], e^r by Cephes' degree-5
 * polynomial (≈1 ulp); x is clamped to [−87.3, 88.3], so e^x underflows to ~1e-38, never to a NaN.
 */
static inline vf vexp(vf x) {
  const float magic = 12582912.0f; /* 1.5·2^23: adding it rounds to an integer in the low mantissa bits */
  x = vmin(vmax(x, vsplat(-87.3f)), vsplat(88.3f));
  vf t = x * 1.44269504088896341f + magic;
  vf n = t - magic;
  vi ni = (vi)t - 0x4B400000;
  vf r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  vf p = vsplat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  vf e = p * (r * r) + r + 1.0f;
  return (vf)((vi)e + (ni << 23));
}

/** The same exp on one value (the tails of rows that are not a whole number of vectors). */
static inline float sexp(float x) { return vexp(vsplat(x))[0]; }

#endif
