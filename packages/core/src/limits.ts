/**
 * @file Size limits checked before xent allocates or loops: a request over one is refused with a
 * ResourceError that gives what was asked, the limit and its name, instead of a hang or a raw RangeError.
 */
import { ResourceError } from './errors.js';
import { bytesPer, type DType } from './ir/dtype.js';

/**
 * The most bytes one host array may take: 4 GiB. The CPU backend's kernels address within one buffer
 * with 32-bit offsets (and a 32-bit memory holds 4 GiB in all), so no tensor larger than this can be
 * computed on it, and it bounds the host loops that fill an array (random samples) to seconds, not hours.
 */
export const MAX_HOST_BYTES = 2 ** 32;

/** `n` bytes in words: `8589934592 bytes (8 GiB)`. */
export function formatBytes(n: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'] as const;
  let value = n;
  let unit = 'bytes';
  for (const u of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  return unit === 'bytes' ? `${n} bytes` : `${n} bytes (${Number(value.toPrecision(3))} ${unit})`;
}

/** A request over a limit: what asked (an argument of `fn`, or a description), the amounts and the limit's name. */
export interface OverLimit {
  readonly fn: string;
  /** The argument whose value asked for it; absent when no single argument did (a whole program). */
  readonly arg?: string;
  /** What was asked, in words, when no argument names it (`this program's buffers`). */
  readonly what?: string;
  readonly requested: number;
  readonly limit: number;
  /** The unit of `requested` and `limit` (`bytes`, `keys`). */
  readonly unit: string;
  /** Which limit, in words (`maxMemoryBytes (the CPU backend's 32-bit WebAssembly memory)`). */
  readonly limitName: string;
}

const amount = (n: number, unit: string): string => (unit === 'bytes' ? formatBytes(n) : `${n} ${unit}`);

/**
 * The ResourceError for a request over a limit: `xent.<fn>: argument '<arg>' expected at most <limit> (<limit
 * name>), got <requested>` when an argument asked, else `xent.<fn>: <what> needs <requested>, over the limit <limit
 * name> of <limit>`.
 */
export function overLimit(o: OverLimit): ResourceError {
  const { fn, arg, requested, limit, unit, limitName } = o;
  const message =
    arg !== undefined
      ? `xent.${fn}: argument '${arg}' expected at most ${amount(limit, unit)} (${limitName}), got ${amount(requested, unit)}`
      : `xent.${fn}: ${o.what ?? 'this request'} needs ${amount(requested, unit)}, over the limit ${limitName} of ${amount(limit, unit)}`;
  return new ResourceError(fn, message, requested, limit, limitName);
}

/**
 * Checks, before allocating or filling it, that a host array of `elements` values of `dtype` fits
 * `MAX_HOST_BYTES`; `arg` is the argument of `fn` that asked for it (a shape, a count).
 */
export function checkAllocation(fn: string, elements: number, dtype: DType, arg: string): void {
  const most = Math.floor(MAX_HOST_BYTES / bytesPer[dtype]);
  if (!(elements <= most))
    throw overLimit({
      fn,
      arg,
      requested: elements,
      limit: most,
      unit: `${dtype} elements`,
      limitName: `maxHostBytes: ${formatBytes(MAX_HOST_BYTES)} per host array`,
    });
}
