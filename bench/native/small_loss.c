/**
 * @file W4 of the native floor: L = 0.9·nll + 0.1·smooth − 0.01·ent + 1e-3·(‖w1‖² + ‖w2‖²) over
 * lp = logSoftmax(tanh(x·w1)·w2), forward and a hand-written backward, plain loops on fixed shapes.
 */
#include <math.h>

#include "workloads.h"

enum { B = W4_BATCH, F = W4_FEATURES, H = W4_HIDDEN, C = W4_CLASSES };

void w4_small_loss(const float *x, const float *w1, const float *w2, const int32_t *y, float *loss, float *dw1,
                   float *dw2) {
  float t[B][H], lp[B][C], p[B][C], gz[B][C], da[B][H];
  float nll = 0, smooth = 0, ent = 0, decay = 0;
  for (int b = 0; b < B; b++) {
    for (int h = 0; h < H; h++) {
      float a = 0;
      for (int f = 0; f < F; f++) a += x[b * F + f] * w1[f * H + h];
      t[b][h] = tanhf(a);
    }
    float z[C], m = -INFINITY, s = 0;
    for (int c = 0; c < C; c++) {
      float zc = 0;
      for (int h = 0; h < H; h++) zc += t[b][h] * w2[h * C + c];
      z[c] = zc;
      m = zc > m ? zc : m;
    }
    for (int c = 0; c < C; c++) s += expf(z[c] - m);
    float lse = m + logf(s);
    for (int c = 0; c < C; c++) {
      lp[b][c] = z[c] - lse;
      p[b][c] = expf(lp[b][c]);
      smooth += lp[b][c];
      ent += p[b][c] * lp[b][c];
    }
    nll += lp[b][y[b]];
  }
  for (int i = 0; i < F * H; i++) decay += w1[i] * w1[i];
  for (int i = 0; i < H * C; i++) decay += w2[i] * w2[i];
  *loss = -0.9f * nll / B - 0.1f * smooth / (B * C) + 0.01f * ent / B + 1e-3f * decay;

  /* ∂L/∂lp = −0.9·onehot/B − 0.1/(B·C) + 0.01·p·(lp + 1)/B; through logSoftmax ∂L/∂z = g − p·Σ_c g */
  for (int b = 0; b < B; b++) {
    float g[C], sum = 0;
    for (int c = 0; c < C; c++) {
      g[c] = (c == y[b] ? -0.9f / B : 0) - 0.1f / (B * C) + 0.01f * p[b][c] * (lp[b][c] + 1) / B;
      sum += g[c];
    }
    for (int c = 0; c < C; c++) gz[b][c] = g[c] - p[b][c] * sum;
  }
  /* ∂w2 = tᵀ·gz + 2e-3·w2; ∂a = (gz·w2ᵀ) ⊙ (1 − t²); ∂w1 = xᵀ·∂a + 2e-3·w1 */
  for (int h = 0; h < H; h++)
    for (int c = 0; c < C; c++) {
      float s = 0;
      for (int b = 0; b < B; b++) s += t[b][h] * gz[b][c];
      dw2[h * C + c] = s + 2e-3f * w2[h * C + c];
    }
  for (int b = 0; b < B; b++)
    for (int h = 0; h < H; h++) {
      float s = 0;
      for (int c = 0; c < C; c++) s += gz[b][c] * w2[h * C + c];
      da[b][h] = s * (1 - t[b][h] * t[b][h]);
    }
  for (int f = 0; f < F; f++)
    for (int h = 0; h < H; h++) {
      float s = 0;
      for (int b = 0; b < B; b++) s += x[b * F + f] * da[b][h];
      dw1[f * H + h] = s + 2e-3f * w1[f * H + h];
    }
}
