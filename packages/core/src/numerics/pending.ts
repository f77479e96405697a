/**
 * @file NaN checks still running on device data: a device run's outputs are checked when read back, so
 * reading them, or anything later computed from them on the device, waits for the check and raises
 * its NumericsError. Only runs checked in debug mode add entries.
 */
import { type ArrayData, type DeviceArray, isDeviceArray } from '../device.js';

const pending = new WeakMap<DeviceArray, Promise<void>>();

/** The checks the values of `data` wait on. */
export const checksOf = (data: ArrayData): Promise<void> | undefined =>
  isDeviceArray(data) ? pending.get(data) : undefined;

/** The pending checks of several arrays, each once. */
export function checksOfAll(data: Iterable<ArrayData>): Promise<void>[] {
  const found = new Set<Promise<void>>();
  for (const d of data) {
    const c = checksOf(d);
    if (c !== undefined) found.add(c);
  }
  return [...found];
}

/** Makes the device arrays among `data` wait on `checks`, failing with the first failure in order. */
export function attachChecks(data: readonly ArrayData[], checks: readonly Promise<void>[]): void {
  const all = Promise.allSettled(checks).then((results) => {
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  });
  // a failure nobody reads is not an unhandled rejection
  all.catch(() => undefined);
  for (const d of data) if (isDeviceArray(d)) pending.set(d, all);
}
