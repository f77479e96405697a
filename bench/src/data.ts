/** @file Seeded inputs: logits drawn from a normal distribution (never zeros), labels uniform. */

/** mulberry32: a small, fast, seeded generator of uniforms in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Where a library wants its float inputs made (of their shape): an ordinary array by default. */
export type FloatsAt = (shape: readonly number[]) => Float32Array;

export const ordinaryFloats: FloatsAt = (shape) => new Float32Array(shape.reduce((a, b) => a * b, 1));

/** Normal(0, scale²) values as f32 (Box–Muller) from `seed`, written into an array of `shape` made by `at`. */
export function normals(
  n: number,
  scale: number,
  seed: number,
  at: FloatsAt = ordinaryFloats,
  shape = [n],
): Float32Array {
  const u = rng(seed);
  const out = at(shape);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u())) * scale;
    const t = 2 * Math.PI * u();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

export function labels(n: number, classes: number, seed: number): Int32Array {
  const u = rng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(u() * classes));
}

/**
 * Runs the generators on a small input, so that their warm-up (until the JIT optimises them, every
 * double they compute is a heap object: ~10 MB of young-generation pages for a 16 MB input) is not
 * counted in a library's own memory; the C floor makes its inputs without it.
 */
export function warmGenerators(): void {
  normals(1 << 16, 1, 0);
  labels(1 << 12, 10, 0);
}
