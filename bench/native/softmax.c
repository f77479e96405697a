/** @file W1, W2 and W5 of the native floor: a softmax row at a time, each row read from memory once. */
#include "rows.h"
#include "workloads.h"

void w1_cross_entropy(long n, long v, const float *z, const int32_t *y, float *loss, float *grad) {
  double total = 0;
  for (long i = 0; i < n; i++) total += ce_row(z + i * v, v, y[i], 1.0f / (float)n, grad + i * v);
  *loss = (float)(total / (double)n);
}

void w2_logsumexp(long n, long v, const float *z, float *lse) {
  for (long i = 0; i < n; i++) {
    const float *zi = z + i * v;
    float m = row_max(zi, v);
    lse[i] = (float)(m + log(row_exp_sum(zi, m, NULL, v)));
  }
}

/**
 * H = log s − Σ e_j (z_j − m) / s with e_j = e^(z_j − m), s = Σ e_j; ∂H/∂z_j = −p_j (log p_j + H),
 * written as e_j · (−1 / (s n)) · (z_j − (m + log s − H)) for the mean over n rows.
 */
void w5_entropy(long n, long v, const float *z, float *entropy, float *grad) {
  double total = 0;
  for (long i = 0; i < n; i++) {
    const float *zi = z + i * v;
    float *gi = grad + i * v;
    float m = row_max(zi, v);
    vf mv = vsplat(m), sv = vsplat(0), tv = vsplat(0);
    long j = 0;
    for (; j + VW <= v; j += VW) {
      vf shifted = vload(zi + j) - mv;
      vf e = vexp(shifted);
      vstore(gi + j, e);
      sv += e;
      tv += e * shifted;
    }
    double s = hsum(sv), t = hsum(tv);
    for (; j < v; j++) {
      float e = sexp(zi[j] - m);
      gi[j] = e;
      s += e;
      t += e * (zi[j] - m);
    }
    double h = log(s) - t / s;
    total += h;
    float a = (float)(-1.0 / (s * (double)n));
    float c = (float)(m + log(s) - h);
    vf av = vsplat(a), cv = vsplat(c);
    for (j = 0; j + VW <= v; j += VW) vstore(gi + j, vload(gi + j) * av * (vload(zi + j) - cv));
    for (; j < v; j++) gi[j] = gi[j] * a * (zi[j] - c);
  }
  *entropy = (float)(total / (double)n);
}
