/**
 * @file The fused linear cross-entropy certified by the kernel laws on WebGPU (f32 WGSL kernels) at
 * several `linearLogitsTile` sizes: inputs on the device untouched and a repeatable backward, the f32
 * loss within a few ulps of the correctly rounded f64 loss, the same value and gradients for
 * vocabulary chunks of 64 and 128 columns (ragged last chunks of 2) and whole-row blocks, and
 * vocabularies around the 64-column tile against the unfused f64 formula. Shapes are
 * few and fixed (each is a shader compile on lavapipe).
 */
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { gpuBackend } from '../support/gpu.js';
import { headOf, variants } from '../support/linearHeads.js';

const { chunkInvariant, inputImmutable, outputPrecision, raggedSizes } = x.laws;

/** 8 rows and 8 features: tile 1 chunks the vocabulary by 64 columns, 1024 by 128, the default takes whole rows. */
const TILES = [1, 1024, 2 ** 22] as const;
const gpus = new Map<number, x.WebGpuBackend>();
for (const tile of TILES) {
  const gpu = await gpuBackend({ linearLogitsTile: tile });
  if (gpu !== undefined) gpus.set(tile, gpu);
}
afterAll(() => {
  for (const gpu of gpus.values()) gpu.dispose();
});
const onTile = (tile: number): x.WebGpuBackend => {
  const gpu = gpus.get(tile);
  if (gpu === undefined) throw new Error(`no WebGPU backend with tile ${tile} (this test should have been skipped)`);
  return gpu;
};

const eight = fc.constant(8);
/** A vocabulary of 130: two 64-column chunks and a ragged one of 2, or one of 128 and one of 2. */
const heads130 = headOf(130, eight, eight);
const [, fused, unfused] = variants[1] as (typeof variants)[number];

describe.runIf(gpus.size === TILES.length)('fused linear cross-entropy on WebGPU, certified by the kernel laws', () => {
  test('inputs on the device unchanged by the forward and backward passes, a repeated backward bit-identical', async () => {
    // the chunked passes: the gradient accumulates over chunks in its output and reuses its scratch
    await fc.assert(inputImmutable(fused, heads130, { backend: onTile(1) }), { numRuns: 3 });
  });

  test('the f32 loss is within 4 ulps of the correctly rounded f64 loss', async () => {
    // the value is the stats pass, which takes no tile
    await fc.assert(outputPrecision(fused, heads130, { backend: onTile(1), reference: unfused }), { numRuns: 4 });
  });

  test('the same value and gradients for 64- and 128-column chunks and whole-row blocks', async () => {
    await fc.assert(
      chunkInvariant(() => fused, fc.constantFrom(...TILES), heads130, { backend: onTile }),
      {
        numRuns: 3,
      },
    );
  });

  test('vocabularies around the 64-column tile of the products (63, 64, 65) agree with the unfused f64 formula', async () => {
    await fc.assert(
      raggedSizes(fused, unfused, (v) => headOf(v, eight, eight), {
        tiles: [64],
        multiples: 1,
        backend: onTile(2 ** 22),
      }),
      { numRuns: 2 },
    );
  });
});

test('linearLogitsTile is validated before a device is asked for: XentErrors naming webgpu and the option', async () => {
  for (const bad of [0, 2.5, -64, '4096', null])
    await expect(x.webgpu({ linearLogitsTile: bad as number }), String(bad)).rejects.toThrow(
      /webgpu.*linearLogitsTile/,
    );
  await expect(x.webgpu({ linearLogitsTile: 2 ** 24 + 1 })).rejects.toThrow(x.ResourceError);
});
