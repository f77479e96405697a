/**
 * @file The CPU backend's memory: one growable shared WebAssembly memory that holds resident tensors
 * and every buffer of a program run (see heap/). JavaScript kernels see typed-array views of it,
 * WebAssembly kernels byte addresses, and worker threads share it. Growing a shared memory never
 * moves it: views made before still see the same bytes. It is 64-bit (up to 16 GiB) where the
 * runtime has memory64, else 32-bit (4 GiB); `XENT_CPU_MEMORY=32` in the environment, read at load,
 * keeps it 32-bit. That choice decides the address width of every kernel (`memoryType`).
 */
import type { DType, HostArray, Program } from '@xent/core';
import { bytesPer, formatBytes, hostArrayOver, MAX_HOST_BYTES, overLimit } from '@xent/core/internal';
import type { AddressWidth, MemoryType } from './wasm/encoder.js';
import { wasmFeatures } from './wasm/features.js';

const PAGE = 65536;

/** Each address width's largest memory, in pages: 4 GiB for 32-bit, and the 16 GiB V8 allows a 64-bit memory. */
const maxPages: { readonly [A in AddressWidth]: number } = { 32: 65536, 64: 262144 };

/** Whether the environment asks for the 32-bit memory. */
const asked32 =
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['XENT_CPU_MEMORY'] === '32';

/**
 * The memory and its type: 64-bit where memory64 exists, the environment does not ask for 32-bit and
 * the engine accepts a 16 GiB maximum (the JavaScript API counts its pages in BigInts), else 32-bit.
 */
function createMemory(): readonly [WebAssembly.Memory, MemoryType] {
  if (wasmFeatures().memory64 && !asked32) {
    try {
      const maximum = BigInt(maxPages[64]);
      return [
        new WebAssembly.Memory({ initial: 16n, maximum, shared: true, address: 'i64' }),
        { address: 64, maxPages: maxPages[64] },
      ];
    } catch (e) {
      // an engine whose 64-bit memories are smaller: the 32-bit memory
      if (!(e instanceof RangeError)) throw e;
    }
  }
  return [
    new WebAssembly.Memory({ initial: 16, maximum: maxPages[32], shared: true }),
    { address: 32, maxPages: maxPages[32] },
  ];
}

/** The memory, and its type: what every kernel module declares it imports and addresses. */
export const [memory, memoryType] = createMemory();

/** The most bytes the memory can hold. */
export const MAX_MEMORY_BYTES = memoryType.maxPages * PAGE;

/** The memory's limit in words, for ResourceErrors. */
const memoryLimitName = `maxMemoryBytes (the CPU backend's ${memoryType.address}-bit WebAssembly memory)`;

/**
 * Grows the memory to at least `bytes` (at most `MAX_MEMORY_BYTES`: `checkFits` refused more at
 * compile time); a ResourceError when the system cannot give that much.
 */
export function ensureMemory(bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return;
  const pages = Math.ceil((bytes - have) / PAGE);
  try {
    // a 64-bit memory counts its pages in BigInts
    if (memoryType.address === 32) memory.grow(pages);
    else memory.grow(BigInt(pages));
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
export const view = (dtype: DType, offset: number, size: number): HostArray =>
  hostArrayOver(dtype, memory.buffer, offset, size);

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
 * results and the arena) do not fit the memory, or one of whose buffers is over the `MAX_HOST_BYTES`
 * kernels address with 32-bit offsets: a ResourceError with the bytes needed, the limit and the
 * largest buffer.
 */
export function checkFits(program: Program, arena: ArenaLayout): void {
  const own = program.buffers.reduce(
    (sum, b) =>
      b.source.kind === 'temp' || arena.staged[b.id] !== undefined ? sum : sum + align(b.size * bytesPer[b.dtype]),
    0,
  );
  const bytes = own + arena.bytes;
  let largest = '';
  let most = -1;
  for (const b of [...program.buffers, ...program.slots]) {
    const size = b.size * bytesPer[b.dtype];
    if (size > most) [most, largest] = [size, `${b.dtype}[${b.size}]`];
  }
  if (bytes > MAX_MEMORY_BYTES)
    throw overLimit({
      fn: 'run',
      what: `this program (largest buffer ${largest})`,
      requested: bytes,
      limit: MAX_MEMORY_BYTES,
      unit: 'bytes',
      limitName: memoryLimitName,
    });
  if (most > MAX_HOST_BYTES)
    throw overLimit({
      fn: 'run',
      what: `this program's buffer ${largest}`,
      requested: most,
      limit: MAX_HOST_BYTES,
      unit: 'bytes',
      limitName: `maxHostBytes (${formatBytes(MAX_HOST_BYTES)} per buffer: kernels address within one with 32-bit offsets)`,
    });
}
