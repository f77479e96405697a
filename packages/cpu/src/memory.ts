/**
 * @file The CPU backend's memory: one growable shared WebAssembly memory that holds resident tensors
 * and every buffer of a program run (see heap/). JavaScript kernels see typed-array views of it,
 * WebAssembly kernels byte offsets, and worker threads share it. Growing a shared memory never
 * moves it: views made before still see the same bytes.
 */
import type { DType, HostArray, Program } from '@xent/core';
import { bytesPer, overLimit } from '@xent/core/internal';

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB

/** The most bytes the memory can hold: a WebAssembly memory is 32-bit (4 GiB). */
export const MAX_MEMORY_BYTES = MAX_PAGES * PAGE;

export const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });

/**
 * Grows the memory to at least `bytes` (at most `MAX_MEMORY_BYTES`: `checkFits` refused more at
 * compile time); a ResourceError when the system cannot give that much.
 */
export function ensureMemory(bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return;
  try {
    memory.grow(Math.ceil((bytes - have) / PAGE));
  } catch (cause) {
    if (!(cause instanceof RangeError)) throw cause;
    throw overLimit({
      fn: 'run',
      what: 'this program',
      requested: bytes,
      limit: have,
      unit: 'bytes',
      limitName: `the system set on the CPU backend's memory (${cause.message})`,
    });
  }
}

/** A typed-array view of `size` elements of `dtype` at byte `offset`. */
export function view(dtype: DType, offset: number, size: number): HostArray {
  const buf = memory.buffer;
  switch (dtype) {
    case 'f32':
      return new Float32Array(buf, offset, size);
    case 'f64':
      return new Float64Array(buf, offset, size);
    case 'i32':
      return new Int32Array(buf, offset, size);
    case 'bool':
      return new Uint8Array(buf, offset, size);
  }
}

/**
 * Where a run keeps its temporaries: one arena holding every temporary slot in use (`slotUsed`; a
 * slot whose temporaries row chains keep in their scratch takes none), a scratch region, and a
 * place for each argument, constant and result smaller than `stagedBelow` bytes (never resident:
 * copied in and out through the arena).
 */
export interface ArenaLayout {
  /** Byte offset of each temporary slot in the arena. */
  readonly slotOffsets: readonly number[];
  /** Byte offset in the arena of each small argument, constant or result, by buffer id. */
  readonly staged: readonly (number | undefined)[];
  readonly scratch: number;
  readonly bytes: number;
}

const align = (n: number): number => Math.ceil(n / 64) * 64;

export function arenaLayout(
  program: Program,
  scratchBytes: number,
  stagedBelow: number,
  slotUsed: readonly boolean[] = program.slots.map(() => true),
): ArenaLayout {
  let next = 0;
  const take = (bytes: number): number => {
    const at = next;
    next += align(bytes);
    return at;
  };
  const slotOffsets = program.slots.map((s, i) => take(slotUsed[i] === false ? 0 : s.size * bytesPer[s.dtype]));
  const staged = program.buffers.map((b) => {
    const bytes = b.size * bytesPer[b.dtype];
    return b.source.kind !== 'temp' && bytes < stagedBelow ? take(bytes) : undefined;
  });
  const scratch = take(scratchBytes);
  return { slotOffsets, staged, scratch, bytes: next };
}

/**
 * Refuses, before anything is allocated or run, a program whose buffers (arguments, constants,
 * results and the arena) do not fit the memory: a ResourceError with the bytes needed, the limit
 * and the largest buffer.
 */
export function checkFits(program: Program, arena: ArenaLayout): void {
  const own = program.buffers.reduce(
    (sum, b) =>
      b.source.kind === 'temp' || arena.staged[b.id] !== undefined ? sum : sum + align(b.size * bytesPer[b.dtype]),
    0,
  );
  const bytes = own + arena.bytes;
  if (bytes <= MAX_MEMORY_BYTES) return;
  let largest = '';
  let most = -1;
  for (const b of [...program.buffers, ...program.slots]) {
    const size = b.size * bytesPer[b.dtype];
    if (size > most) [most, largest] = [size, `${b.dtype}[${b.size}]`];
  }
  throw overLimit({
    fn: 'run',
    what: `this program (largest buffer ${largest})`,
    requested: bytes,
    limit: MAX_MEMORY_BYTES,
    unit: 'bytes',
    limitName: "maxMemoryBytes (the CPU backend's 32-bit WebAssembly memory)",
  });
}
