/** @file InfoNCE (CPC/SimCLR/CLIP) and its symmetric form over a batch of paired embeddings. */
import * as x from '@xent/core';
import { fail } from '@xent/core/internal';
import type { Tensor, DType } from '@xent/core';
import { choiceArg, formatShape, logitsArg, numberArg, rules, sameAs } from '../validate.js';

export interface InfoNceOptions {
  /** τ > 0 (default 0.1): S_ij = sim(a_i, b_j)/τ. */
  readonly temperature?: number;
  /** 'cosine' (default) or 'dot'. */
  readonly similarity?: 'cosine' | 'dot';
}

/** The [N, N] score matrix S_ij = sim(a_i, b_j)/τ for paired embeddings a, b [N, d]. */
function scores(fn: string, a: unknown, b: unknown, options: InfoNceOptions): Tensor {
  const ta = logitsArg(fn, 'a', a, 2);
  if (ta.rank !== 2) fail(x.ShapeError, fn, 'a', 'embeddings [N, d]', formatShape(ta.shape));
  const tb = sameAs(fn, 'b', b, ta, 'a');
  const tau = numberArg(fn, 'temperature', options.temperature, 0.1, rules.positive);
  const sim = choiceArg(fn, 'similarity', options.similarity, ['cosine', 'dot'], 'cosine');
  const [u, v] = sim === 'cosine' ? [x.normalize(ta), x.normalize(tb)] : [ta, tb];
  return x.div(x.matmul(u, x.transpose(v)), tau);
}

/** mean_i [logsumexp_j S_ij − S_ii]: cross-entropy of each row of S against its diagonal. */
function rowLoss(s: Tensor): Tensor {
  const n = s.shape[0] as number;
  const diag = x.sum(x.mul(s, x.oneHot(x.arange(n, { dtype: 'i32' }) as Tensor, n, { dtype: s.dtype })), { axis: -1 });
  return x.mean(x.sub(x.logsumexp(s, { axis: -1 }), diag));
}

/**
 * InfoNCE L = mean_i [logsumexp_j S_ij − S_ii] for positives on the diagonal (van den Oord et al.
 * 2018; catalog M01): ≥ 0, = log N when all scores are equal, and I(X; Y) ≥ log N − L.
 *
 * @example
 * losses.infoNce(x.tensor([[1, 0], [0, 1]]), x.tensor([[0.9, 0.1], [0.2, 0.8]]), { temperature: 0.1 })
 */
export function infoNce<D extends DType>(
  a: Tensor<[number, number], D> | Tensor,
  b: Tensor<[number, number], D> | Tensor,
  options: InfoNceOptions = {},
): Tensor<[], D> {
  return rowLoss(scores('infoNce', a, b, options)) as never;
}

/**
 * The symmetric (CLIP) form: the mean of the row-softmax and column-softmax InfoNCE.
 *
 * @example
 * losses.symmetricInfoNce(x.tensor([[1, 0], [0, 1]]), x.tensor([[0.9, 0.1], [0.2, 0.8]]))
 */
export function symmetricInfoNce<D extends DType>(
  a: Tensor<[number, number], D> | Tensor,
  b: Tensor<[number, number], D> | Tensor,
  options: InfoNceOptions = {},
): Tensor<[], D> {
  const s = scores('symmetricInfoNce', a, b, options);
  return x.mul(0.5, x.add(rowLoss(s), rowLoss(x.transpose(s)))) as never;
}
