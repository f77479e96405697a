/**
 * @file The CPU backend's memory: one growable shared WebAssembly memory that holds every buffer of
 * a program run (parameters copied in, constants, temporaries, outputs copied out). JavaScript
 * kernels see typed-array views of it, WebAssembly kernels byte offsets, and worker threads share it.
 */
import type { DType, HostArray, Program } from '@xent/core';
import { bytesPer, overLimit } from '@xent/core/internal';

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB

/** The most bytes the memory can hold: a WebAssembly memory is 32-bit (4 GiB). */
export const MAX_MEMORY_BYTES = MAX_PAGES * PAGE;

export const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });

/**
 * Grows the memory to at least `bytes` (at most `MAX_MEMORY_BYTES`: `checkLayout` refused more at
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

/** Byte offsets of every buffer of a program (temporaries sharing a slot share an offset), and of a scratch region. */
export interface Layout {
  readonly offsets: readonly number[];
  readonly scratch: number;
  readonly bytes: number;
}

const align = (n: number): number => Math.ceil(n / 16) * 16;

export function layoutProgram(program: Program, scratchBytes: number): Layout {
  let next = 64; // keep address 0 unused
  const slotOffsets = program.slots.map((s) => {
    const at = next;
    next += align(s.size * bytesPer[s.dtype]);
    return at;
  });
  const offsets = program.buffers.map((b) => {
    if (b.source.kind === 'temp') return slotOffsets[b.source.slot] as number;
    const at = next;
    next += align(b.size * bytesPer[b.dtype]);
    return at;
  });
  return { offsets, scratch: next, bytes: next + align(scratchBytes) };
}

/**
 * Refuses, before anything is allocated or run, a program whose buffers do not fit the memory: a
 * ResourceError with the bytes needed, the limit and the largest buffer.
 */
export function checkLayout(program: Program, layout: Layout): void {
  if (layout.bytes <= MAX_MEMORY_BYTES) return;
  let largest = '';
  let most = -1;
  for (const b of [...program.buffers, ...program.slots]) {
    const bytes = b.size * bytesPer[b.dtype];
    if (bytes > most) [most, largest] = [bytes, `${b.dtype}[${b.size}]`];
  }
  throw overLimit({
    fn: 'run',
    what: `this program (largest buffer ${largest})`,
    requested: layout.bytes,
    limit: MAX_MEMORY_BYTES,
    unit: 'bytes',
    limitName: "maxMemoryBytes (the CPU backend's 32-bit WebAssembly memory)",
  });
}
