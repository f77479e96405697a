/** @file The sample-selection example (docs/per-example-gradients.md) runs end to end, and its per-example values agree with one-example-at-a-time computations. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import * as x from 'xent';
import { paperLosses } from '../examples/noisy-labels/compare.js';
import { mnistSplit } from '../examples/noisy-labels/data.js';
import {
  gradientNorms,
  keepSmallest,
  perExampleGradients,
  perExampleLosses,
} from '../examples/noisy-labels/sampleSelection.js';
import { logits, type Params } from '../examples/noisy-labels/train.js';

const root = fileURLToPath(new URL('..', import.meta.url));

test('examples/noisy-labels/perExample runs end to end in --quick mode: an accuracy in [0, 100]% per method and noise rate', async () => {
  const { stdout } = await promisify(execFile)('node', [`${root}examples/dist/noisy-labels/perExample.js`, '--quick'], {
    cwd: root,
    timeout: 120_000,
  });
  for (const method of ['CE', 'GCE q=0.7', 'CE, small loss', 'CE, small grad norm']) {
    const row = new RegExp(`^${method} +(\\d+\\.\\d) ± 0\\.0 +(\\d+\\.\\d) ± 0\\.0$`, 'm').exec(stdout);
    expect(row, method).not.toBeNull();
    for (const cell of row?.slice(1) ?? []) {
      expect(Number(cell)).toBeGreaterThanOrEqual(0);
      expect(Number(cell)).toBeLessThanOrEqual(100);
    }
  }
  expect(stdout).toMatch(/^total: \d+ s$/m);
}, 120_000);

/** Real digits, and MLP parameters whose hidden ReLUs are partly active. */
function smallBatch(): { params: Params; images: x.Tensor; labels: x.Tensor } {
  const { train } = mnistSplit(x.random.key(5), 0.2, { train: 6, test: 1 });
  const [k1, k2, k3] = x.random.split(x.random.key(6), 3) as [x.RandomKey, x.RandomKey, x.RandomKey];
  const params = [
    { w: x.random.normal(k1, [784, 64], { scale: 0.05 }), b: x.random.normal(k3, [64], { scale: 0.1 }) },
    { w: x.random.normal(k2, [64, 10], { scale: 0.2 }), b: x.zeros([10]) },
  ];
  return { params, images: train.images, labels: x.tensor(train.labels, { shape: [6], dtype: 'i32' }) };
}

test('per-example gradient norms from vmap(grad) equal those of x.grad on each example alone', () => {
  const { params, images, labels } = smallBatch();
  const batched = gradientNorms(perExampleGradients(paperLosses.CE, params, images, labels)).data();
  const jitted = x
    .jit((p: Params, xb: x.Tensor, yb: x.Tensor) => gradientNorms(perExampleGradients(paperLosses.CE, p, xb, yb)))(
      params,
      images,
      labels,
    )
    .data();
  for (let i = 0; i < 6; i++) {
    const image = x.slice(images, [i, 0], [i + 1, 784]);
    const label = x.slice(labels, [i], [i + 1]);
    const grads = x.grad((p: Params) => paperLosses.CE(logits(p, image), label))(params);
    const alone = Math.sqrt(
      x.tree.leaves(grads).reduce((sum, g) => sum + Array.from(g.data()).reduce((s, v) => s + v * v, 0), 0),
    );
    expect(alone).toBeGreaterThan(0);
    expect(Math.abs((batched[i] as number) - alone) / alone).toBeLessThan(1e-5);
    expect(Math.abs((jitted[i] as number) - alone) / alone).toBeLessThan(1e-5);
  }
}, 120_000);

test('per-example losses equal the loss without reduction; keepSmallest keeps exactly the k smallest, ties to the earlier', () => {
  const { params, images, labels } = smallBatch();
  const z = logits(params, images);
  const mapped = perExampleLosses(paperLosses.CE, z, labels).data();
  const unreduced = x.losses.crossEntropy(z, labels, { reduction: 'none' }).data();
  mapped.forEach((v, i) => {
    expect(Math.abs(v - (unreduced[i] as number))).toBeLessThan(1e-5 * (unreduced[i] as number));
  });

  const scores = [0.5, 0.1, 0.5, 0.3, 0.1, 0.9];
  const byScore = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (let keep = 0; keep <= scores.length; keep++) {
    const expected = scores.map((_, i) => (byScore.slice(0, keep).some(([, j]) => j === i) ? 1 : 0));
    expect(Array.from(keepSmallest(x.tensor(scores), x.tensor(keep)).data()), `keep ${keep}`).toEqual(expected);
  }
}, 120_000);
