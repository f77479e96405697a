/**
 * @file The WebGPU backend in a real browser: headless Chromium (Debian's, driven by
 * playwright-core, WebGPU through --enable-unsafe-webgpu) loads the built packages as ES modules,
 * runs a fused softmax cross-entropy forward and backward on navigator.gpu, and the result is
 * checked against the CPU backend in the page and against f64 in Node.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { expectAllClose, toNumbers } from '../support/numeric.js';

const CHROMIUM = '/usr/bin/chromium';
const required = process.env['CI'] === 'true' || process.env['XENT_REQUIRE_GPU'] === '1';
const root = fileURLToPath(new URL('../..', import.meta.url));
if (!existsSync(CHROMIUM)) {
  if (required)
    throw new Error(
      `${CHROMIUM} is required here (CI=true or XENT_REQUIRE_GPU=1): scripts/setup-webgpu.sh installs it`,
    );
  console.warn(`browser test skipped: no ${CHROMIUM}`);
}

/** Bare imports of the page, to the built packages (fp-ts through its ES module build). */
const importMap = {
  imports: {
    xent: '/packages/xent/dist/index.js',
    '@xent/core': '/packages/core/dist/index.js',
    '@xent/core/internal': '/packages/core/dist/internal.js',
    '@xent/cpu': '/packages/cpu/dist/index.js',
    '@xent/webgpu': '/packages/webgpu/dist/index.js',
    '@xent/losses': '/packages/losses/dist/index.js',
    '@xent/laws': '/packages/laws/dist/index.js',
    'fast-check': '/node_modules/fast-check/lib/fast-check.js',
    'pure-rand/': '/node_modules/pure-rand/lib/esm/',
    'fp-ts': '/node_modules/fp-ts/es6/index.js',
  },
};

const [N, V] = [16, 300];

const page = `<!doctype html><html><head><script type="importmap">${JSON.stringify(importMap)}</script></head><body>
<script type="module">
import * as x from 'xent';
const ce = (z, y) => x.mean(x.sub(x.logsumexp(z, { axis: -1 }), x.squeeze(x.gather(z, x.expandDims(y, -1), { axis: -1 }), -1)));
try {
  const z = x.tensor(Float32Array.from({ length: ${N * V} }, (_, i) => 4 * Math.sin(i * 0.37)), { shape: [${N}, ${V}] });
  const y = x.tensor(Int32Array.from({ length: ${N} }, (_, i) => (i * 37) % ${V}), { shape: [${N}] });
  const gpu = await x.webgpu();
  const [loss, grad] = x.jit(x.valueAndGrad(ce), { backend: gpu })(z, y);
  const [lossCpu, gradCpu] = x.jit(x.valueAndGrad(ce))(z, y);
  window.result = {
    adapter: gpu.adapterName,
    onDevice: loss.onDevice && grad.onDevice,
    loss: Array.from(await loss.dataAsync()),
    grad: Array.from(await grad.dataAsync()),
    lossCpu: Array.from(lossCpu.data()),
    gradCpu: Array.from(gradCpu.data()),
  };
} catch (e) {
  window.result = { error: String(e && e.stack || e) };
}
</script></body></html>`;

const types: Record<string, string> = {
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** Serves the page and the repository's files (extensionless module paths resolve to .js, as fp-ts's ES build needs). */
function serve(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(page);
      return;
    }
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    const isFile = (f: string): boolean => existsSync(f) && statSync(f).isFile();
    if (!isFile(file)) file = [`${file}.js`, join(file, 'index.js')].find(isFile) ?? file;
    if (!isFile(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve(server);
    }),
  );
}

interface PageResult {
  readonly error?: string;
  readonly adapter: string;
  readonly onDevice: boolean;
  readonly loss: number[];
  readonly grad: number[];
  readonly lossCpu: number[];
  readonly gradCpu: number[];
}

describe.runIf(existsSync(CHROMIUM))('headless Chromium', () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const s of servers) s.close();
  });

  test('a fused cross-entropy forward and backward on navigator.gpu matches the CPU', async () => {
    const server = await serve();
    servers.push(server);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--enable-unsafe-webgpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
    try {
      const tab = await browser.newPage();
      const problems: string[] = [];
      tab.on('pageerror', (e) => problems.push(e.message));
      // A module that fails to load (a bare import missing from the import map) shows up as a console
      // error and never sets `result`: fail at once with its message instead of timing out.
      const broken = new Promise<never>((_, reject) => {
        tab.on('console', (m) => {
          const where = m.location().url;
          if (m.type() === 'error' && !where.endsWith('/favicon.ico'))
            reject(new Error(`console error in the page: ${m.text()} (${where})`));
        });
      });
      broken.catch(() => undefined);
      await tab.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { waitUntil: 'commit' });
      await Promise.race([
        tab.waitForFunction(() => (globalThis as unknown as { result?: unknown }).result !== undefined, undefined, {
          timeout: 60_000,
        }),
        broken,
      ]);
      const result = (await tab.evaluate(() => (globalThis as unknown as { result: unknown }).result)) as PageResult;
      expect(problems).toEqual([]);
      expect(result.error).toBeUndefined();
      expect(result.onDevice).toBe(true);
      expectAllClose(result.loss, result.lossCpu, { rtol: 1e-5, atol: 1e-6 }, 'loss, GPU vs CPU in the page');
      expectAllClose(result.grad, result.gradCpu, { rtol: 1e-4, atol: 1e-7 }, 'gradient, GPU vs CPU in the page');
      const ce = (z: x.Tensor, y: x.Tensor): x.Tensor =>
        x.mean(x.sub(x.logsumexp(z, { axis: -1 }), x.squeeze(x.gather(z, x.expandDims(y, -1), { axis: -1 }), -1)));
      const z = x.tensor(
        Float64Array.from({ length: N * V }, (_, i) => Math.fround(4 * Math.sin(i * 0.37))),
        { shape: [N, V], dtype: 'f64' },
      );
      const y = x.tensor(
        Int32Array.from({ length: N }, (_, i) => (i * 37) % V),
        { shape: [N] },
      );
      const [loss64, grad64] = x.valueAndGrad(ce)(z, y);
      expectAllClose(result.loss, toNumbers(loss64), { rtol: 1e-5, atol: 1e-6 }, 'loss, GPU vs f64');
      expectAllClose(result.grad, toNumbers(grad64), { rtol: 1e-4, atol: 1e-7 }, 'gradient, GPU vs f64');
    } finally {
      await browser.close();
    }
  });
});
