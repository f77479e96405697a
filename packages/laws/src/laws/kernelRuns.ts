/** @file How the kernel laws run a function: eagerly on the default backend or jitted on a given one, its value and gradients read back as host arrays. */
import * as x from '@xent/core';
import type { Backend, HostArray, Tensor } from '@xent/core';
import { brief } from '../numeric.js';
import type { TensorFunction } from './gradient.js';
import { type Operand, operandTensor } from './operands.js';

/** A backend that keeps arrays on its device (WebGPU): inputs go there first, so a kernel writing over one shows. */
interface Uploads {
  upload<T extends Tensor>(t: T): T;
}

const uploads = (b: Backend | undefined): b is Backend & Uploads =>
  typeof (b as Partial<Uploads> | undefined)?.upload === 'function';

/** The operands as tensors: float ones in `dtype` (values as given), on the backend's device where it has one. */
export function inputTensors(ops: readonly Operand[], dtype: 'f32' | 'f64', backend: Backend | undefined): Tensor[] {
  return ops.map((o) => {
    const t =
      o.int === true || dtype === 'f64'
        ? operandTensor(o)
        : x.tensor(Float32Array.from(o.values), { shape: [...o.shape], dtype: 'f32' });
    return uploads(backend) ? backend.upload(t) : t;
  });
}

/** The values of a tensor wherever they live (a copy). */
export const hostValues = async (t: Tensor): Promise<HostArray> => await t.dataAsync();

/** f's value, every entry: jitted on `backend`, or eagerly. */
export async function valueOf(f: TensorFunction, inputs: readonly Tensor[], backend?: Backend): Promise<HostArray> {
  const run = backend === undefined ? f : x.jit(f, { backend });
  return hostValues(run(...inputs));
}

/** Σf and its gradients w.r.t. the operands at `argnums`. */
export interface Gradients {
  readonly total: HostArray;
  readonly grads: HostArray[];
}

/** A runner of Σf's value and gradients w.r.t. `argnums` (jitted once on `backend`: repeated runs reuse its program). */
export function gradientRunner(
  f: TensorFunction,
  argnums: readonly number[],
  backend?: Backend,
): (inputs: readonly Tensor[]) => Promise<Gradients> {
  const vg = x.valueAndGrad((...args: Tensor[]) => x.sum(f(...args)), { argnums: [...argnums] });
  const run = backend === undefined ? vg : x.jit(vg, { backend });
  return async (inputs) => {
    const [total, grads] = run(...inputs);
    return { total: await hostValues(total), grads: await Promise.all(grads.map(hostValues)) };
  };
}

/** The bytes of a host array (a copy: later writes to the array do not show). */
const bytesOf = (a: HostArray): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();

/** The first entry where a and b differ bit for bit (NaN payloads and the sign of zero included), or −1. */
export function firstBitDifference(a: HostArray, b: HostArray): number {
  if (a.length !== b.length) return 0;
  const [x8, y8] = [bytesOf(a), bytesOf(b)];
  const width = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < x8.length; i++) if (x8[i] !== y8[i]) return Math.floor(i / width);
  return -1;
}

/** Entry i of a and b, in words ("entry 3 of f32[4]: 0.25 then 0.5"). */
export const describeChange = (a: HostArray, b: HostArray, i: number): string =>
  `entry ${i} of ${brief(Array.from(a, Number))}: ${Number(a[i])} then ${Number(b[i])}`;
