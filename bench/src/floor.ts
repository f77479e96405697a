/** @file The memory-bandwidth floor: copy bandwidth measured here, in this run, on 256 MiB. */
import { performance } from 'node:perf_hooks';

/** Bytes per millisecond moved by a bulk copy (each element read once and written once). */
export function copyBandwidth(): number {
  const n = 64 * 1024 * 1024;
  const src = new Float32Array(n).fill(1);
  const dst = new Float32Array(n);
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    dst.set(src);
    times.push(performance.now() - t0);
  }
  return (2 * 4 * n) / Math.min(...times);
}
