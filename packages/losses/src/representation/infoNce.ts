/** @file InfoNCE (CPC/SimCLR/CLIP) and its symmetric form over a batch of paired embeddings. */
import * as x from '@xent/core';
import type { Tensor, DType } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { floatTensor, matrixSchema, nonEmpty, positiveOption, sameAs } from '../validate.js';

export interface InfoNceOptions {
  /** τ > 0 (default 0.1): S_ij = sim(a_i, b_j)/τ. */
  readonly temperature?: number;
  /** 'cosine' (default) or 'dot'. */
  readonly similarity?: 'cosine' | 'dot';
}

/** The signature of both InfoNCE forms. */
const infoNceParams = {
  a: matrixSchema,
  b: floatTensor,
  options: s.options({ temperature: positiveOption, similarity: s.optional(s.oneOf(['cosine', 'dot'])) }),
};

/** The [N, N] score matrix S_ij = sim(a_i, b_j)/τ for paired embeddings a, b [N, d]. */
function scores(fn: string, a: Tensor, b: Tensor, options: InfoNceOptions): Tensor {
  const ta = nonEmpty(fn, 'a', a, 'embeddings [N, d] with d ≥ 1');
  const tb = sameAs(fn, 'b', b, ta, 'a');
  const [u, v] = options.similarity === 'dot' ? [ta, tb] : [x.normalize(ta), x.normalize(tb)];
  return x.div(x.matmul(u, x.transpose(v)), options.temperature ?? 0.1);
}

/** mean_i [logsumexp_j S_ij − S_ii]: cross-entropy of each row of S against its diagonal. */
function rowLoss(scoreMatrix: Tensor): Tensor {
  const n = scoreMatrix.shape[0] as number;
  const eye = x.oneHot(x.arange(n, { dtype: 'i32' }), n, { dtype: scoreMatrix.dtype });
  const diag = x.sum(x.mul(scoreMatrix, eye), { axis: -1 });
  return x.mean(x.sub(x.logsumexp(scoreMatrix, { axis: -1 }), diag));
}

function infoNceImpl<D extends DType>(
  a: Tensor<[number, number], D> | Tensor,
  b: Tensor<[number, number], D> | Tensor,
  options: InfoNceOptions = {},
): Tensor<[], D> {
  return rowLoss(scores('infoNce', a, b, options)) as never;
}

/**
 * InfoNCE L = mean_i [logsumexp_j S_ij − S_ii] for positives on the diagonal (van den Oord et al.
 * 2018; catalog M01): ≥ 0, = log N when all scores are equal, and I(X; Y) ≥ log N − L.
 *
 * @example
 * losses.infoNce(x.tensor([[1, 0], [0, 1]]), x.tensor([[0.9, 0.1], [0.2, 0.8]]), { temperature: 0.1 })
 */
export const infoNce = publicFn('infoNce', infoNceParams, infoNceImpl);

function symmetricInfoNceImpl<D extends DType>(
  a: Tensor<[number, number], D> | Tensor,
  b: Tensor<[number, number], D> | Tensor,
  options: InfoNceOptions = {},
): Tensor<[], D> {
  const scoreMatrix = scores('symmetricInfoNce', a, b, options);
  return x.mul(0.5, x.add(rowLoss(scoreMatrix), rowLoss(x.transpose(scoreMatrix)))) as never;
}

/**
 * The symmetric (CLIP) form: the mean of the row-softmax and column-softmax InfoNCE.
 *
 * @example
 * losses.symmetricInfoNce(x.tensor([[1, 0], [0, 1]]), x.tensor([[0.9, 0.1], [0.2, 0.8]]))
 */
export const symmetricInfoNce = publicFn('symmetricInfoNce', infoNceParams, symmetricInfoNceImpl);
