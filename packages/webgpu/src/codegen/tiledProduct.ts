/**
 * @file The 64×64 tiled product of the matmul and linear-logit shaders. A workgroup of 16×16
 * invocations owns a 64×64 tile of C, each invocation a 4×4 block (four rows, four adjacent columns)
 * held in vec4 registers. k is walked in steps of 32: the A tile is staged as vec4s along k and the B
 * tile as vec4s along n, so the inner loop does 8 vector loads for 64 multiply-adds.
 */

/** Rows and columns of C a workgroup owns. */
export const TILE = 64;
/** Entries of k staged per step. */
const STEP = 32;
/** Invocations per workgroup (16×16). */
const THREADS = 256;

const four = [0, 1, 2, 3] as const;
const lane = ['x', 'y', 'z', 'w'] as const;

/** Tiles of `n` rows or columns (at least one, so a shader for an empty extent stays valid). */
export const tiles = (n: number): number => Math.max(1, Math.ceil(n / TILE));

/**
 * The workgroup tiles and `fn product(r0, c0, tx, ty) -> array<vec4<t>, 4>`: the invocation's four
 * rows of C[r0.., c0..] = Σ_{k < depth} a(row, k)·b(k, col), each a vec4 of its four columns. `a` and
 * `b` name WGSL functions of (row, k) and (k, col) returning zero outside their operands.
 */
export function tiledProduct(a: string, b: string, depth: number, t = 'f32'): string {
  const v4 = `vec4<${t}>`;
  return `var<workgroup> tile_a: array<${v4}, ${(TILE * STEP) / 4}>;
var<workgroup> tile_b: array<${v4}, ${(STEP * TILE) / 4}>;
fn product(r0: i32, c0: i32, tx: i32, ty: i32) -> array<${v4}, 4> {
  let flat = ty * 16 + tx;
  var c: array<${v4}, 4>;
  for (var k0 = 0; k0 < ${depth}; k0 = k0 + ${STEP}) {
    for (var e = 0; e < ${(TILE * STEP) / 4 / THREADS}; e++) {
      let q = flat + e * ${THREADS};
      // A: row q / ${STEP / 4}, k from k0 + 4 (q % ${STEP / 4}); B: k q / ${TILE / 4}, columns from c0 + 4 (q % ${TILE / 4})
      let ra = r0 + q / ${STEP / 4};
      let ka = k0 + 4 * (q % ${STEP / 4});
      tile_a[q] = ${v4}(${four.map((j) => `${a}(ra, ka + ${j})`).join(', ')});
      let kb = k0 + q / ${TILE / 4};
      let cb = c0 + 4 * (q % ${TILE / 4});
      tile_b[q] = ${v4}(${four.map((j) => `${b}(kb, cb + ${j})`).join(', ')});
    }
    workgroupBarrier();
    for (var kq = 0; kq < ${STEP / 4}; kq++) {
      ${four.map((i) => `let a${i} = tile_a[(ty * 4 + ${i}) * ${STEP / 4} + kq];`).join(' ')}
      ${four.map((d) => `let b${d} = tile_b[(kq * 4 + ${d}) * ${TILE / 4} + tx];`).join(' ')}
      ${four.map((i) => `c[${i}] = c[${i}] + ${four.map((d) => `a${i}.${lane[d] as string} * b${d}`).join(' + ')};`).join('\n      ')}
    }
    workgroupBarrier();
  }
  return c;
}`;
}

/** Component `j` (0..3) of a vec4 by name. */
export const laneOf = (j: number): string => lane[j] as string;
