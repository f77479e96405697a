/** @file Runs exported PyTorch modules under Debian's /usr/bin/python3 (PyTorch 1.13), many cases per process, tensors as exact base64 bytes. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x from 'xent';

export const python = '/usr/bin/python3';

/** Whether /usr/bin/python3 imports torch (else the reason); in CI (CI=true) a missing torch is a failure, not a skip. */
export const torchProbe: { readonly ok: boolean; readonly why: string } = (() => {
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0
    ? { ok: true, why: r.stdout.trim() }
    : {
        ok: false,
        why: `${python} cannot import torch: ${(r.stderr || String(r.error)).trim().split('\n').pop() ?? ''}`,
      };
})();

/** An argument as the runner reads it: tensors (marked `grad` to differentiate), dicts, lists, literals. */
export type PyArg =
  { readonly tensor: x.Tensor; readonly grad?: boolean } | { readonly [k: string]: PyArg } | readonly PyArg[] | number;

/** One exported module to run on some arguments. */
export interface TorchCase {
  readonly source: string;
  readonly fn?: string;
  readonly args: readonly PyArg[];
  readonly gradcheck?: boolean;
}

/** A tensor back from Python: dtype, shape and values. */
export interface PyTensor {
  readonly dtype: x.DType;
  readonly shape: number[];
  readonly values: number[];
}

/** What one case gave: its outputs' leaves, the gradients of its leaves marked `grad`, gradcheck's verdict, or an error. */
export interface TorchResult {
  readonly outputs: PyTensor[];
  readonly grads: PyTensor[];
  readonly gradcheck?: boolean;
  readonly error?: string;
}

const arrays = { f32: Float32Array, f64: Float64Array, i32: Int32Array, bool: Uint8Array } as const;

function encode(a: PyArg): unknown {
  if (typeof a === 'number') return a;
  if (Array.isArray(a)) return a.map(encode);
  const spec = a as { readonly tensor?: x.Tensor; readonly grad?: boolean };
  if (spec.tensor !== undefined) {
    const t = spec.tensor;
    const d: x.HostArray = t.data();
    const data = Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64');
    return { __tensor__: true, dtype: t.dtype, shape: t.shape, data, grad: spec.grad ?? false };
  }
  return Object.fromEntries(Object.entries(a as Record<string, PyArg>).map(([k, v]) => [k, encode(v)]));
}

function decode(t: { dtype: x.DType; shape: number[]; data: string }): PyTensor {
  const bytes = Buffer.from(t.data, 'base64');
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return { dtype: t.dtype, shape: t.shape, values: Array.from(new arrays[t.dtype](copy.buffer)) };
}

/** Runs every case in one Python process (the modules written to a temporary folder). */
export function runTorch(cases: readonly TorchCase[]): TorchResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'xent-export-'));
  const job = {
    cases: cases.map((c, i) => {
      const module = join(dir, `case${i}.py`);
      writeFileSync(module, c.source);
      return { module, fn: c.fn ?? 'loss', args: c.args.map(encode), gradcheck: c.gradcheck ?? false };
    }),
  };
  writeFileSync(join(dir, 'job.json'), JSON.stringify(job));
  const script = new URL('./runExported.py', import.meta.url).pathname;
  const r = spawnSync(python, [script, join(dir, 'job.json'), join(dir, 'results.json')], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`runExported.py failed (${r.status}): ${r.stderr}`);
  const raw = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as {
    outputs?: { dtype: x.DType; shape: number[]; data: string }[];
    grads?: { dtype: x.DType; shape: number[]; data: string }[];
    gradcheck?: boolean;
    error?: string;
  }[];
  return raw.map((o) => ({
    outputs: (o.outputs ?? []).map(decode),
    grads: (o.grads ?? []).map(decode),
    ...(o.gradcheck === undefined ? {} : { gradcheck: o.gradcheck }),
    ...(o.error === undefined ? {} : { error: o.error }),
  }));
}
