/**
 * @file Data that lives on a device (a GPU buffer) rather than in a host typed array. Tensors
 * computed by a device backend hold it; it is read back asynchronously and can be fed to that
 * backend's programs without a round trip.
 */
import { XentError } from './errors.js';
import { checkNotDisposed } from './hostMemory.js';
import type { DType, HostArray } from './ir/dtype.js';

/** Device data where host data is needed (or data of another device). */
export class DeviceDataError extends XentError {}

export interface DeviceArray {
  readonly kind: 'device';
  /** The backend that owns the memory (its name appears in errors). */
  readonly backend: string;
  readonly dtype: DType;
  readonly size: number;
  /** Copies the values to the host once the work producing them has finished. */
  read(): Promise<HostArray>;
  /** Releases the device memory now; later reads and uses are errors. */
  dispose(): void;
  readonly disposed: boolean;
}

/** The values of a concrete tensor: on the host, or on a device. */
export type ArrayData = HostArray | DeviceArray;

export const isDeviceArray = (v: unknown): v is DeviceArray =>
  typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'device';

/** Element count of array data. */
export const lengthOf = (v: ArrayData): number => (isDeviceArray(v) ? v.size : v.length);

/** The host array behind data a host backend received, or an error naming where the data lives. */
export function hostArrayOf(v: ArrayData, fn: string, arg: string): HostArray {
  if (!isDeviceArray(v)) {
    checkNotDisposed(v, fn, `argument '${arg}' (a ${v.constructor.name} of ${v.length})`);
    return v;
  }
  throw new DeviceDataError(
    fn,
    `xent.${fn}: argument '${arg}' expected host data, got a ${v.dtype}[${v.size}] array on ${v.backend} (read it back with await t.dataAsync(), or run this on ${v.backend})`,
  );
}
