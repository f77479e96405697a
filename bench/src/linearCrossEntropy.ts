/**
 * @file Fused vs unfused linear cross-entropy (W3 sizes and a memory case) in one process: median
 * time of loss + ∂(h, W) (read back to the host) and the scheduled program's peak temporary bytes.
 * `node bench/dist/linearCrossEntropy.js [--sizes 512x256x8192,...] [--repeats 3] [--backend cpu|webgpu]`.
 */
import * as x from 'xent';
import { normals } from './data.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const sizes = (arg('--sizes') ?? '512x256x8192,2048x512x32768,8192x8x128256')
  .split(',')
  .map((s) => s.split('x').map(Number) as [number, number, number]);
const repeats = Number(arg('--repeats') ?? '3');
const backend = arg('--backend') === 'webgpu' ? await x.webgpu() : x.backends.cpu;
// the same backend declaring that the automatic rewrite never pays, so that the plain CE really is unfused
const plainBackend: x.Backend = { ...backend, linearLogitsMinElements: Infinity };

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

type Step = (h: x.Tensor, w: x.Tensor) => [x.Tensor, x.Tensor[]];

/** One step with its results read back (so device work is inside the timing). */
async function run(step: Step, h: x.Tensor, w: x.Tensor): Promise<void> {
  const [loss, grads] = step(h, w);
  await Promise.all([loss, ...grads].map((t) => t.dataAsync()));
}

async function measure(step: Step, h: x.Tensor, w: x.Tensor): Promise<number> {
  await run(step, h, w); // warm-up: compilation, memory growth, worker start
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await run(step, h, w);
    times.push(performance.now() - t0);
  }
  return median(times);
}

for (const [n, d, v] of sizes) {
  const h = x.tensor(normals(n * d, 1, 3), { shape: [n, d] });
  const w = x.tensor(normals(v * d, 0.05, 4), { shape: [v, d] });
  const y = x.tensor(
    Int32Array.from({ length: n }, (_, i) => (i * 7919) % v),
    { shape: [n], dtype: 'i32' },
  );
  const fused = x.jit(
    x.valueAndGrad((hh: x.Tensor, ww: x.Tensor) => x.losses.linearCrossEntropy(hh, ww, y), { argnums: [0, 1] }),
    { backend },
  );
  const unfused = x.jit(
    x.valueAndGrad((hh: x.Tensor, ww: x.Tensor) => x.losses.crossEntropy(x.matmul(hh, x.transpose(ww)), y), {
      argnums: [0, 1],
    }),
    { backend: plainBackend },
  );
  const fusedBytes = x.peakTemporaryBytes(fused.program(h, w));
  const unfusedBytes = x.peakTemporaryBytes(unfused.program(h, w));
  const fusedMs = await measure(fused, h, w);
  let unfusedCell: string;
  try {
    unfusedCell = `${(await measure(unfused, h, w)).toFixed(0)} ms`;
  } catch (e) {
    unfusedCell = `fails: ${(e instanceof Error ? e.message : String(e)).slice(0, 80)}`;
  }
  console.log(
    `${backend.name} ${n}x${d}x${v}: fused ${fusedMs.toFixed(0)} ms, temporaries ${mib(fusedBytes)} | unfused ${unfusedCell}, temporaries ${mib(unfusedBytes)}`,
  );
}
