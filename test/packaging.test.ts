/**
 * @file The built packages as a CommonJS program sees them: Node 24 `require()`s an ES module graph
 * only when it has no top-level await, so `require('xent')` and each `@xent/*` package must load
 * synchronously, compute, and start the CPU backend's worker threads. And their declarations as a
 * program without the DOM lib sees them: every WebGPU name they use is one of the empty global
 * interfaces of webgpu/src/gpuGlobals.ts (scripts/test-packed-app.sh type-checks them for real).
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs in a fresh `node` as CommonJS, resolving the workspace links to the built packages. */
const script = `
'use strict';
let workers = 0;
require('node:async_hooks').createHook({ init: (_id, type) => { if (type === 'WORKER') workers++; } }).enable();
const x = require('xent');
const names = ['@xent/core', '@xent/cpu', '@xent/webgpu', '@xent/losses', '@xent/laws'];
const packages = Object.fromEntries(names.map((n) => [n, Object.keys(require(n)).length]));
const z = x.tensor([[1, 2, 3], [0.5, -1, 2]], { dtype: 'f64' });
const y = x.tensor([2, 0], { dtype: 'i32' });
const [loss, grad] = x.valueAndGrad((a, b) => x.losses.crossEntropy(a, b))(z, y);
// a large kernel split across worker threads, against one thread
const big = x.tensor(Float32Array.from({ length: 96 * 1500 }, (_, i) => Math.sin(i * 0.37) * 3), { shape: [96, 1500] });
const f = (t) => x.softmax(t);
const one = x.jit(f, { backend: x.createCpuBackend({ threads: 1 }) })(big).data();
const two = x.jit(f, { backend: x.createCpuBackend({ threads: 2 }) })(big).data();
process.stdout.write(JSON.stringify({
  exports: Object.keys(x).length,
  packages,
  sameLosses: x.losses === require('@xent/losses').losses,
  loss: x.item(loss),
  grad: grad.toArray(),
  workers,
  threadsAgree: Buffer.from(one.buffer).equals(Buffer.from(two.buffer)),
}));
`;

test('require() loads xent and every @xent package from CommonJS, and they compute', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=commonjs', '-e', script], {
    cwd: root,
    timeout: 120_000,
  });
  const out = JSON.parse(stdout) as {
    exports: number;
    packages: Record<string, number>;
    sameLosses: boolean;
    loss: number;
    grad: number[][];
    workers: number;
    threadsAgree: boolean;
  };
  expect(out.exports).toBeGreaterThan(100);
  for (const n of ['@xent/core', '@xent/cpu', '@xent/webgpu', '@xent/losses', '@xent/laws'])
    expect(out.packages[n]).toBeGreaterThan(0);
  expect(out.sameLosses).toBe(true);
  // CE = mean over rows of logsumexp(z) − z_y; ∂CE/∂z = (softmax(z) − onehot(y)) / rows
  const z = [
    [1, 2, 3],
    [0.5, -1, 2],
  ];
  const y = [2, 0];
  const lse = z.map((r) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0)));
  const loss = z.reduce((s, r, i) => s + ((lse[i] as number) - (r[y[i] as number] as number)) / 2, 0);
  expect(out.loss).toBeCloseTo(loss, 12);
  z.forEach((r, i) => {
    r.forEach((v, k) => {
      const g = (Math.exp(v - (lse[i] as number)) - (k === y[i] ? 1 : 0)) / 2;
      expect(out.grad[i]?.[k]).toBeCloseTo(g, 12);
    });
  });
  expect(out.workers).toBeGreaterThanOrEqual(1);
  expect(out.threadsAgree).toBe(true);
}, 120_000);

test('the published declarations name no DOM type and only the WebGPU interfaces gpuGlobals declares', () => {
  const globals = readFileSync(`${root}packages/webgpu/dist/gpuGlobals.d.ts`, 'utf8');
  const declared = new Set([...globals.matchAll(/interface (GPU\w*)/g)].map((m) => m[1]));
  const dom =
    /\b(Navigator|WorkerNavigator|Window|Document|EventTarget|Event|HTMLCanvasElement|OffscreenCanvas|HTMLElement|ImageBitmap|ImageData|VideoFrame|MessagePort)\b/;
  const offences: string[] = [];
  for (const pkg of ['core', 'cpu', 'webgpu', 'losses', 'laws', 'xent']) {
    const dir = `${root}packages/${pkg}/dist/`;
    for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.d.ts')) continue;
      const text = readFileSync(dir + file, 'utf8');
      if (text.includes('reference types="@webgpu/types"')) offences.push(`${pkg}/${file}: references @webgpu/types`);
      // declarations only: comments may name anything
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      const d = dom.exec(code);
      if (d !== null) offences.push(`${pkg}/${file}: ${d[0]}`);
      for (const m of code.matchAll(/\bGPU\w*/g)) if (!declared.has(m[0])) offences.push(`${pkg}/${file}: ${m[0]}`);
    }
  }
  expect(declared.has('GPUDevice')).toBe(true);
  expect(offences).toEqual([]);
});
