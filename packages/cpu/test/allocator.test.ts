/** @file The free-list allocator against a model: random allocate/free sequences never overlap, stay aligned, reuse and coalesce. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Allocator, BLOCK_ALIGN } from '../src/heap/allocator.js';

const BASE = 64;

/** Allocate (a size) or free (the i-th live block, modulo their count). */
type Action = { readonly op: 'alloc'; readonly bytes: number } | { readonly op: 'free'; readonly pick: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    op: fc.constant('alloc' as const),
    bytes: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 1 << 20 })),
  }),
  fc.record({ op: fc.constant('free' as const), pick: fc.nat() }),
);

describe('Allocator', () => {
  test('live blocks never overlap, are aligned and hold their bytes; live bytes and the top are exact', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 200 }), (actions) => {
        const a = new Allocator(BASE);
        const live = new Map<number, number>();
        for (const act of actions) {
          if (act.op === 'alloc') {
            const offset = a.allocate(act.bytes);
            expect(offset % BLOCK_ALIGN).toBe(0);
            expect(offset).toBeGreaterThanOrEqual(BASE);
            for (const [o, n] of live) expect(offset + act.bytes <= o || o + n <= offset).toBe(true);
            expect(offset + act.bytes).toBeLessThanOrEqual(a.top);
            live.set(offset, Allocator.blockBytes(act.bytes));
          } else if (live.size > 0) {
            const offset = [...live.keys()][act.pick % live.size] as number;
            a.free(offset);
            live.delete(offset);
          }
          expect(a.live).toBe([...live.values()].reduce((s, n) => s + n, 0));
          for (const o of live.keys()) expect(a.owns(o)).toBe(true);
        }
        for (const o of [...live.keys()]) a.free(o);
        // every block back: the free space coalesced down to the base
        expect(a.live).toBe(0);
        expect(a.top).toBe(BASE);
      }),
    );
  });

  test('a freed block is reused by the next request of its size (its pages are warm)', () => {
    const a = new Allocator(BASE);
    const keep = a.allocate(1000);
    const big = a.allocate(1 << 20);
    a.allocate(64);
    a.free(big);
    expect(a.allocate(1 << 20)).toBe(big);
    // a smaller request splits the free block rather than growing the top
    a.free(big);
    const top = a.top;
    expect(a.allocate(4096)).toBe(big);
    expect(a.top).toBe(top);
    expect(a.owns(keep)).toBe(true);
  });

  test('neighbours coalesce: two freed halves serve one request of their sum', () => {
    const a = new Allocator(BASE);
    const x = a.allocate(4096);
    const y = a.allocate(4096);
    a.allocate(64);
    a.free(x);
    a.free(y);
    expect(a.allocate(8192)).toBe(x);
  });

  test('freeing what is not allocated is an error, not a silent corruption', () => {
    const a = new Allocator(BASE);
    const x = a.allocate(100);
    a.free(x);
    expect(() => {
      a.free(x);
    }).toThrow(RangeError);
    expect(() => {
      a.free(12345);
    }).toThrow(RangeError);
  });
});
