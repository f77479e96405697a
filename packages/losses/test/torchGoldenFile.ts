/** @file The PyTorch golden file (golden/torch/losses.json, written by scripts/golden/torch_losses.py): its case types, and its tensors decoded. */
import { readFileSync } from 'node:fs';
import * as x from 'xent';

/** One tensor: its dtype, shape and values ('inf', '-inf', 'nan' for the non-finite). */
export interface Spec {
  readonly dtype: 'f64' | 'i32';
  readonly shape: number[];
  readonly data: (number | string)[];
}

/** One case: the loss `fn` on `inputs` with `options`, PyTorch's value and the input gradients of ⟨value, cotangent⟩. */
export interface Case {
  readonly name: string;
  readonly fn: string;
  readonly inputs: Spec[];
  readonly options: Record<string, unknown>;
  readonly tensorOptions: Record<string, Spec>;
  readonly value: Spec;
  readonly cotangent: Spec;
  readonly grads: (Spec | null)[];
  readonly distance?: 'default' | 'l1' | 'cosine';
  readonly logSoftmax?: boolean;
}

export const golden = JSON.parse(readFileSync(new URL('./golden/torch/losses.json', import.meta.url), 'utf8')) as {
  readonly cases: Case[];
};

export const decode = (v: number | string): number =>
  typeof v === 'number' ? v : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : NaN;

export const numbers = (s: Spec): number[] => s.data.map(decode);

/** The tensor of `s`, its floats in `float`. */
export const tensorOf = (s: Spec, float: 'f64' | 'f32' = 'f64'): x.Tensor =>
  s.dtype === 'i32'
    ? x.tensor(Int32Array.from(numbers(s)), { shape: s.shape, dtype: 'i32' })
    : x.tensor(float === 'f64' ? Float64Array.from(numbers(s)) : Float32Array.from(numbers(s)), {
        shape: s.shape,
        dtype: float,
      });
