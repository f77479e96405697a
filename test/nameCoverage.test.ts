/**
 * @file docs/losses.md maps every loss name of `torch.nn.functional` and `optax.losses` to an xent
 * function: each upstream name is listed exactly once, and every function the table names exists.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';

/** PyTorch 2.13's `torch.nn.functional` loss functions. */
const torchNames = [
  'binary_cross_entropy',
  'binary_cross_entropy_with_logits',
  'cosine_embedding_loss',
  'cross_entropy',
  'ctc_loss',
  'gaussian_nll_loss',
  'hinge_embedding_loss',
  'huber_loss',
  'kl_div',
  'l1_loss',
  'linear_cross_entropy',
  'margin_ranking_loss',
  'mse_loss',
  'multi_margin_loss',
  'multilabel_margin_loss',
  'multilabel_soft_margin_loss',
  'nll_loss',
  'poisson_nll_loss',
  'smooth_l1_loss',
  'soft_margin_loss',
  'triplet_margin_loss',
  'triplet_margin_with_distance_loss',
];

/** The loss functions `optax.losses` exports. */
const optaxNames = [
  'binary_dice_loss',
  'convex_kl_divergence',
  'cosine_distance',
  'cosine_similarity',
  'ctc_loss',
  'ctc_loss_with_forward_probs',
  'dice_loss',
  'generalized_kl_divergence',
  'hinge_loss',
  'huber_loss',
  'kl_divergence',
  'kl_divergence_with_log_targets',
  'l2_loss',
  'log_cosh',
  'make_fenchel_young_loss',
  'multiclass_generalized_dice_loss',
  'multiclass_hinge_loss',
  'multiclass_perceptron_loss',
  'multiclass_sparsemax_loss',
  'ntxent',
  'perceptron_loss',
  'poly_loss_cross_entropy',
  'ranking_softmax_loss',
  'safe_softmax_cross_entropy',
  'sigmoid_binary_cross_entropy',
  'sigmoid_focal_loss',
  'smooth_labels',
  'softmax_cross_entropy',
  'softmax_cross_entropy_with_integer_labels',
  'sparsemax_loss',
  'squared_error',
  'triplet_margin_loss',
];

const doc = readFileSync(new URL('../docs/losses.md', import.meta.url), 'utf8');

/** The rows (upstream name, xent cell) of the coverage table headed `| ${head}`. */
function rows(head: string): [string, string][] {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${head} `));
  expect(start, `a table headed ${head} in docs/losses.md`).toBeGreaterThanOrEqual(0);
  const out: [string, string][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const [name, fns] = line
      .split('|')
      .slice(1, 3)
      .map((c) => c.trim());
    out.push([(name as string).replace(/`/g, ''), fns as string]);
  }
  return out;
}

describe.each([
  ['torch.nn.functional', torchNames],
  ['optax.losses', optaxNames],
])('%s', (head, names) => {
  test('every name is listed once, and every xent function named exists in x.losses', () => {
    const table = rows(head);
    expect(table.map(([n]) => n)).toEqual(names);
    for (const [name, cell] of table) {
      const fns = [...cell.matchAll(/`(\w+)`/g)].map((m) => m[1] as string);
      expect(fns.length, `${name} maps to a function`).toBeGreaterThan(0);
      for (const f of fns)
        expect(typeof (x.losses as Record<string, unknown>)[f], `x.losses.${f} (for ${name})`).toBe('function');
    }
  });
});
