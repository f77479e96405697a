/** @file The native floor's W1–W5 (bench/src/workloads.ts): single-threaded f32 C, outputs written in place. */
#ifndef XENT_NATIVE_WORKLOADS_H
#define XENT_NATIVE_WORKLOADS_H

#include <stdint.h>

/** W4's shapes (W4_SHAPES in bench/src/workloads.ts). */
#define W4_BATCH 8
#define W4_FEATURES 10
#define W4_HIDDEN 16
#define W4_CLASSES 10

/** W1: mean softmax cross-entropy of z[n × v] against y, and its gradient w.r.t. z. */
void w1_cross_entropy(long n, long v, const float *z, const int32_t *y, float *loss, float *grad);

/** W2: logsumexp of each row of z[n × v]. */
void w2_logsumexp(long n, long v, const float *z, float *lse);

/** W3: mean cross-entropy of h[n × d]·w[v × d]ᵀ against y, and its gradients w.r.t. h and w. */
void w3_linear_cross_entropy(long n, long d, long v, const float *h, const float *w, const int32_t *y, float *loss,
                             float *dh, float *dw);

/** W4: one step of the ~30-op small loss (value and gradients w.r.t. w1 and w2), backward written by hand. */
void w4_small_loss(const float *x, const float *w1, const float *w2, const int32_t *y, float *loss, float *dw1,
                   float *dw2);

/** W5: mean Shannon entropy of the softmax rows of z[n × v], and its gradient w.r.t. z. */
void w5_entropy(long n, long v, const float *z, float *entropy, float *grad);

#endif
