/**
 * @file The fused linear cross-entropy (`losses.linearCrossEntropy`, `linearLogitStats`) certified by
 * the kernel laws on the CPU backend's SIMD kernels at many tile sizes (`linearLogitsTile`): inputs
 * untouched and a repeatable backward, an f32 loss within 4 ulps of the correctly rounded f64 loss,
 * the same value and gradients at every tile (vocabulary chunks of 8 columns up to whole rows,
 * ragged last chunks and row blocks included), and vocabularies around multiples of the tile against
 * the unfused f64 formula (logits formed, `crossEntropy` / `logsumexp` on them).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { headOf, heads, variants } from './support/linearHeads.js';

const { chunkInvariant, inputImmutable, outputPrecision, raggedSizes } = x.laws;

/** One CPU backend per tile size (jit caches programs per backend). */
const backends = new Map<number, x.Backend>();
const cpuTile = (tile: number): x.Backend => {
  const known = backends.get(tile);
  if (known !== undefined) return known;
  const made = x.createCpuBackend({ linearLogitsTile: tile });
  backends.set(tile, made);
  return made;
};

/** Tiles from one logit (8-column chunks, the two passes) to the default (whole rows in one block). */
const tiles = fc.oneof(fc.integer({ min: 1, max: 1200 }), fc.constant(2 ** 22));

describe.each(variants)('%s on the CPU (SIMD kernels)', (_name, fused, unfused) => {
  test('inputs unchanged by the forward and backward passes, a repeated backward bit-identical (chunked and default tiles)', async () => {
    for (const tile of [1024, 2 ** 22])
      await fc.assert(inputImmutable(fused, heads, { backend: cpuTile(tile) }), { numRuns: 8 });
  });

  test('the f32 loss is within 4 ulps of the correctly rounded f64 loss (chunked and default tiles)', async () => {
    for (const tile of [1024, 2 ** 22])
      await fc.assert(outputPrecision(fused, heads, { backend: cpuTile(tile), reference: unfused }), {
        numRuns: 15,
      });
  });

  test('the same value and gradients at every tile size', async () => {
    await fc.assert(
      chunkInvariant(() => fused, tiles, heads, { backend: cpuTile }),
      { numRuns: 12 },
    );
  });

  test('the same value and gradients for the two chunked SIMD passes (16-column chunks, a ragged last one of 8–15) and whole-row blocks', async () => {
    // 16 rows and a 256-logit tile: 16-column chunks; vocabularies of 152–199 are too wide for blocks of 8 rows of 4 tiles
    const wide = fc.integer({ min: 9, max: 11 }).chain((k) => fc.integer({ min: 16 * k + 8, max: 16 * k + 15 }));
    const sixteenRows = wide.chain((v) => headOf(v, fc.constant(16)));
    await fc.assert(
      chunkInvariant(() => fused, fc.constantFrom(256, 2 ** 22), sixteenRows, { backend: cpuTile }),
      {
        numRuns: 6,
      },
    );
  });

  test('vocabularies around multiples of the chunk (16 columns) and of the SIMD panel (8) agree with the unfused f64 formula', async () => {
    // 16 rows and a 256-logit tile: chunks of 16 columns, a ragged last one of 15 (1: the plain loops)
    const sixteenRows = (v: number) => headOf(v, fc.constant(16));
    await fc.assert(raggedSizes(fused, unfused, sixteenRows, { tiles: [16], multiples: 4, backend: cpuTile(256) }), {
      numRuns: 12,
    });
    await fc.assert(raggedSizes(fused, unfused, headOf, { tiles: [8], multiples: 6, backend: cpuTile(2 ** 22) }), {
      numRuns: 12,
    });
  });
});

test('linearLogitsTile is validated: an integer in [1, 2²⁴], XentErrors naming createCpuBackend and the option', () => {
  for (const bad of [0, -1, 1.5, NaN, '64', null])
    expect(() => x.createCpuBackend({ linearLogitsTile: bad as number }), String(bad)).toThrow(
      /createCpuBackend.*linearLogitsTile/,
    );
  expect(() => x.createCpuBackend({ linearLogitsTile: 2 ** 24 + 1 })).toThrow(x.ResourceError);
  expect(() => x.createCpuBackend({ linearLogitsTile: 2 ** 24 })).not.toThrow();
});
