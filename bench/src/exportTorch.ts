/**
 * @file xent's losses exported to PyTorch (`x.export.torch`) against PyTorch's own, run by PyTorch on the CPU in
 * one process: cross-entropy [4096, 1000] and linear cross-entropy (h [1024, 256], W [4096, 256]), forward and
 * backward in f32, with autograd through the exported ops and with `keepVjp` (xent's VJP as the backward).
 * `node bench/dist/exportTorch.js [--repeats 7] [--threads <cores>] [--python /usr/bin/python3]`. glibc's defaults return
 * freed large intermediates to the OS (page faults on the next step); `MALLOC_MMAP_THRESHOLD_` and `MALLOC_TRIM_THRESHOLD_`
 * in the environment (the Python process inherits it) keep them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as x from 'xent';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const repeats = Number(arg('--repeats') ?? '7');
const threads = Number(arg('--threads') ?? String(cpus().length));
const python = arg('--python') ?? '/usr/bin/python3';
/** Largest |export − torch| allowed in an f32 loss value (both round the same sums in another order). */
const TOLERANCE = 1e-4;

interface Timings {
  readonly torch: string;
  readonly difference: Readonly<Record<string, number>>;
  readonly ms: Readonly<
    Record<string, { readonly torch: number; readonly export: number; readonly exportKeepVjp: number }>
  >;
}

const f32 = (shape: readonly number[]): x.Tensor => x.zeros(shape, { dtype: 'f32' });
const i32 = (n: number): x.Tensor => x.tensor(new Int32Array(n), { shape: [n], dtype: 'i32' });
const ce = (logits: x.Tensor, labels: x.Tensor): x.Tensor => x.losses.crossEntropy(logits, labels);
const lce = (h: x.Tensor, w: x.Tensor, y: x.Tensor): x.Tensor => x.losses.linearCrossEntropy(h, w, y);

const dir = mkdtempSync(join(tmpdir(), 'xent-export-bench-'));
try {
  const ceArgs = [f32([4096, 1000]), i32(4096)];
  const lceArgs = [f32([1024, 256]), f32([4096, 256]), i32(1024)];
  writeFileSync(join(dir, 'ce.py'), x.export.torch(ce, ceArgs));
  writeFileSync(join(dir, 'ce_vjp.py'), x.export.torch(ce, ceArgs, { keepVjp: true }));
  writeFileSync(join(dir, 'lce.py'), x.export.torch(lce, lceArgs));
  writeFileSync(join(dir, 'lce_vjp.py'), x.export.torch(lce, lceArgs, { keepVjp: true }));
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'timeExported.py');
  const run = spawnSync(python, [script, dir, String(repeats), String(threads)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${python} ${script} failed: ${run.stderr || String(run.error)}`);
  const t = JSON.parse(run.stdout) as Timings;
  for (const [name, d] of Object.entries(t.difference)) {
    if (!(d <= TOLERANCE)) throw new Error(`the exported '${name}' differs from PyTorch's loss by ${d}`);
  }
  console.log(
    `PyTorch ${t.torch}, ${threads} threads, fwd+bwd f32, median of ${repeats} (ratio to PyTorch's own loss)`,
  );
  console.log('workload              torch ms   export ms        keepVjp ms');
  for (const [name, m] of Object.entries(t.ms)) {
    const cell = (ms: number): string => `${ms.toFixed(1)} (${(ms / m.torch).toFixed(2)}×)`.padEnd(17);
    console.log(`${name.padEnd(22)}${m.torch.toFixed(1).padEnd(11)}${cell(m.export)}${cell(m.exportKeepVjp)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
