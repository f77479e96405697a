/** @file The scalar helpers survive the trip to a worker thread: rebuilt from their source text, each computes what it does. */
import { expect, test } from 'vitest';
import { helperSource, type ScalarHelperName, scalarHelpers, wasmImports } from '@xent/core/internal';

const samples = [-1e10, -3.5, -1, -0, 0, 0.25, 0.5, 0.9, 2, 7.75, 1e10, NaN, Infinity, -Infinity];

test.each(Object.keys(scalarHelpers) as ScalarHelperName[])('%s rebuilt from its source equals itself', (h) => {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- what worker threads do with the source
  const rebuilt = (new Function(`"use strict";return ${helperSource(h)};`) as () => (...a: number[]) => number)();
  const original = scalarHelpers[h].js;
  for (const a of samples) for (const b of samples) expect(rebuilt(a, b)).toBe(original(a, b));
});

test('the WebAssembly imports are the helpers with a signature, then the index-error hook', () => {
  const withSignature = (Object.keys(scalarHelpers) as ScalarHelperName[]).filter(
    (h) => scalarHelpers[h].wasm !== undefined,
  );
  expect(wasmImports).toEqual([...withSignature, 'indexError']);
});

test('polygamma is NaN for an order that is not an integer in 0…64, rather than recurring n steps', () => {
  const { js } = scalarHelpers.polygamma;
  for (const n of [-1, 0.5, 65, 1e10, Infinity, NaN]) expect(js(n, 2.5)).toBeNaN();
  // ψ⁽⁶⁴⁾(1) = −64! ζ(65) ≈ −64! (ζ(65) = 1 + 2⁻⁶⁵ + …)
  expect(js(64, 1) / -1.2688693218588417e89).toBeCloseTo(1, 12);
  expect(js(0, 1)).toBeCloseTo(-0.5772156649015329, 14);
});
