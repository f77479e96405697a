/**
 * @file The plumbing of the linear-logit shaders: bindings for some of a kernel's buffers, passes that
 * run once per vocabulary chunk or row block (each reading its start from its own 256-byte-aligned
 * binding of a table a first pass writes), the 16×16 tiled entry point and its tile stores.
 */
import { type Binding, type BufferSpec, renderBuffers } from '../buffers.js';
import { entryParams, flatWorkgroup, type KernelPass } from '../rendered.js';

/** The start table's stride: one binding offset (256 bytes) per chunk. */
const CHUNK_STRIDE = 64;

/** Entries of a start table of `count` chunks or blocks. */
export const startTableSize = (count: number): number => count * CHUNK_STRIDE;

/** Declarations for some of a kernel's buffers; bindings point back into the kernel's buffer list. */
export function buffersOf(
  specs: readonly BufferSpec[],
  which: readonly number[],
  maxBindingBytes: number,
  status: boolean,
): { code: string; bindings: Binding[] } {
  const r = renderBuffers(
    which.map((i) => specs[i] as BufferSpec),
    maxBindingBytes,
    status,
  );
  return {
    code: r.code,
    bindings: r.bindings.map((b) => (b.buffer === 'status' ? b : { ...b, buffer: which[b.buffer] as number })),
  };
}

/** A pass whose shader reads its chunk start `chunk_start()` from the start table at chunk `c`'s offset. */
function chunkBinding(bindings: readonly Binding[], table: number, c: number): { code: string; bindings: Binding[] } {
  return {
    code: `@group(0) @binding(${bindings.length}) var<storage, read_write> xent_chunk: array<i32>;
fn chunk_start() -> i32 { return xent_chunk[0]; }`,
    bindings: [...bindings, { buffer: table, offsetBytes: c * CHUNK_STRIDE * 4, sizeBytes: 4, readOnly: false }],
  };
}

/**
 * Passes that run once per entry of a start table (vocabulary chunks or row blocks): the table's
 * writer pass, and a maker of per-entry passes whose shaders read their start as `chunk_start()`.
 */
export function startTable(
  specs: readonly BufferSpec[],
  table: number,
  count: number,
  stride: number,
  maxBindingBytes: number,
) {
  const name = (specs[table] as BufferSpec).name;
  const writer = buffersOf(specs, [table], maxBindingBytes, false);
  const first: KernelPass = {
    code: `${writer.code}
@compute @workgroup_size(64)
fn main(${entryParams}) {
  for (var c = i32(lid.x); c < ${count}; c = c + 64) { st_${name}(c * ${CHUNK_STRIDE}, c * ${stride}); }
}`,
    bindings: writer.bindings,
    workgroups: 1,
  };
  const each = (which: number[], body: (code: string) => string, workgroups: number, status = false): KernelPass[] => {
    const base = buffersOf(specs, which, maxBindingBytes, status);
    return Array.from({ length: count }, (_, c) => {
      const bound = chunkBinding(base.bindings, table, c);
      return { code: body(`${base.code}\n${bound.code}`), bindings: bound.bindings, workgroups };
    });
  };
  return { first, each };
}

/** A 16×16 tiled entry point: `prologue`, the invocation's tile coordinates, then `body`. */
export const tiledEntry = (prologue: string, body: string): string => `@compute @workgroup_size(16, 16)
fn main(${entryParams}) {
  ${flatWorkgroup}
${prologue}
  let tx = i32(lid.x);
  let ty = i32(lid.y);
${body}
}`;

/** `store` for each of the invocation's 4×4 entries (`row`, `col`) of the tile at (`rowStart`, c0). */
export const tileStores = (rowStart: string, store: string): string => `  for (var i = 0; i < 4; i++) {
    for (var j = 0; j < 4; j++) {
      let row = ${rowStart} + ty * 4 + i;
      let col = c0 + tx * 4 + j;
${store}
    }
  }`;
