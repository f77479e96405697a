/**
 * @file x.export.jax: the JAX dialect of the Python emitter. JAX is not installable here, so its modules are pinned
 * by golden text (XENT_UPDATE_GOLDEN=1 rewrites them) and every library loss's export is compiled by
 * /usr/bin/python3 -m py_compile; the torch dialect of the same emitter runs in exportTorch.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { libraryCases } from './support/libraryCases.js';
import { python } from './support/torchRunner.js';

const golden = (name: string): URL => new URL(`./golden/export/${name}`, import.meta.url);
const update = process.env['XENT_UPDATE_GOLDEN'] === '1';

const f64 = (shape: readonly number[]): x.Tensor => x.zeros([...shape], { dtype: 'f64' });
const labels = x.zeros([4], { dtype: 'i32' });

const goldens: Record<string, () => string> = {
  'crossEntropy.jax.py': () =>
    x.export.jax(
      (batch: { logits: x.Tensor; labels: x.Tensor }) =>
        x.losses.crossEntropy(batch.logits, batch.labels, { labelSmoothing: 0.1 }),
      [{ logits: f64([4, 5]), labels }],
      { name: 'smoothed_ce' },
    ),
  'linearCrossEntropy.keepVjp.jax.py': () =>
    x.export.jax(
      (h: x.Tensor, w: x.Tensor, y: x.Tensor) => x.losses.linearCrossEntropy(h, w, y, { softcap: 30 }),
      [f64([4, 3]), f64([6, 3]), labels],
      { keepVjp: true },
    ),
  'crossEntropy.keepVjp.torch.py': () =>
    x.export.torch((logits: x.Tensor, y: x.Tensor) => x.losses.crossEntropy(logits, y), [f64([4, 5]), labels], {
      keepVjp: true,
    }),
};

describe('golden modules', () => {
  test.each(Object.keys(goldens))('%s', (name) => {
    const text = (goldens[name] as () => string)();
    if (update || !existsSync(golden(name))) writeFileSync(golden(name), text);
    expect(text).toBe(readFileSync(golden(name), 'utf8'));
  });
});

const hasPython = spawnSync(python, ['-c', 'pass']).status === 0;

describe.skipIf(!hasPython && process.env['CI'] === undefined)('py_compile', () => {
  test(`every library loss's JAX module (${Object.keys(libraryCases).length} cases, with and without keepVjp) compiles`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'xent-jax-'));
    const args = [f64([6, 5]), f64([6, 5]), x.zeros([6], { dtype: 'i32' })];
    const files = Object.values(libraryCases).flatMap((loss, i) =>
      [false, true].map((keepVjp) => {
        const file = join(dir, `case${i}${keepVjp ? '_vjp' : ''}.py`);
        writeFileSync(file, x.export.jax(loss, args, { keepVjp }));
        return file;
      }),
    );
    const script = 'import py_compile, sys\nfor f in sys.argv[1:]:\n    py_compile.compile(f, doraise=True)\n';
    const r = spawnSync(python, ['-c', script, ...files], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 60_000);
});
