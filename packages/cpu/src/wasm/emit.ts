/** @file Small pieces of WebAssembly code generation shared by the map kernel's parts: deferred code, counted loops, lane constants. */
import type { DType } from '@xent/core';
import type { FunctionBuilder } from './encoder.js';

/** Code to emit later, where it is placed. */
export type Emit = (f: FunctionBuilder) => void;

/** Bytes per element of a dtype in memory. */
export const bytes = (dtype: DType): number => (dtype === 'f64' ? 8 : dtype === 'bool' ? 1 : 4);
export const isFloat = (d: DType): boolean => d === 'f32' || d === 'f64';

/** A counted loop over local `v` from `start` to `end` (each pushes an i32), step `step`. */
export function loop(g: FunctionBuilder, v: number, start: Emit, end: Emit, step: number, body: Emit): void {
  start(g);
  g.op('local.set', v);
  g.op('block').op('loop');
  g.op('local.get', v);
  end(g);
  g.op('i32.ge_s').op('br_if', 1);
  body(g);
  g.op('local.get', v).op('i32.const', step).op('i32.add').op('local.set', v).op('br', 0);
  g.op('end').op('end');
}

export const constant =
  (c: number): Emit =>
  (g) =>
    g.op('i32.const', c);

export const run = (g: FunctionBuilder, list: readonly Emit[]): void => {
  for (const emit of list) emit(g);
};

/** The bytes of a v128 constant with `v` in each f32 lane. */
export const f32x4Const = (v: number): number[] => {
  const b = new Uint8Array(new Float32Array([v, v, v, v]).buffer);
  return Array.from(b);
};
/** The bytes of a v128 constant with `v` in each i32 lane. */
export const i32x4Const = (v: number): number[] => Array.from(new Uint8Array(new Int32Array([v, v, v, v]).buffer));
