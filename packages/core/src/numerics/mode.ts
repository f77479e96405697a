/**
 * @file The NaN debug mode switch: `debugNans(true)`, or XENT_DEBUG_NANS=1 in the environment at
 * startup. While it is on, tracing records where nodes came from and every run checks its outputs
 * (`jit(f, { checkNumerics })` decides for one function).
 */
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';

interface HostGlobals {
  readonly process?: { readonly env?: Record<string, string | undefined> };
}

let enabled = (globalThis as HostGlobals).process?.env?.['XENT_DEBUG_NANS'] === '1';

/** Whether NaN debugging is on for every trace and run. */
export const debugNansOn = (): boolean => enabled;

/**
 * Turns NaN debugging on or off everywhere; returns the previous setting. While on, a run whose output
 * holds NaN or ±Inf made by some primitive from finite operands throws a NumericsError naming that
 * primitive, the public op and the line of your code that traced it, and for gradients, the forward op
 * whose derivative it was. Off (the default) it costs nothing: no stack is captured, no kernel is added.
 */
export const debugNans = publicFn('debugNans', { on: s.boolean }, (on: boolean): boolean => {
  const was = enabled;
  enabled = on;
  return was;
});
