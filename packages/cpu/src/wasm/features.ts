/**
 * @file Optional WebAssembly features, probed once at first use by validating tiny modules: relaxed
 * SIMD (kernels then use `f32x4.relaxed_madd`) and memory64 (the backend's memory is then 64-bit:
 * see memory.ts). Browsers without them keep the plain SIMD kernels and a 32-bit memory.
 */
import { FunctionBuilder } from './encoder.js';

/** The optional WebAssembly features this runtime accepts. */
export interface WasmFeatures {
  /** Relaxed SIMD: `f32x4.relaxed_madd` computes a·b + c, fused or not depending on the machine. */
  readonly relaxedSimd: boolean;
  /** 64-bit memories (limits flag 0x04): the CPU backend's memory grows past 4 GiB. */
  readonly memory64: boolean;
}

const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** A module with one function `() → v128` returning relaxed_madd(0, 0, 0). */
function relaxedSimdModule(): Uint8Array {
  const f = new FunctionBuilder([], ['v128'], 32);
  for (let i = 0; i < 3; i++) f.op('v128.const', ...new Array<number>(16).fill(0));
  f.op('f32x4.relaxed_madd');
  const body = f.encode();
  // sections: type [() → v128], function [type 0], code [body] (every size fits one LEB128 byte)
  return Uint8Array.from([
    ...header,
    ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b],
    ...[0x03, 0x02, 0x01, 0x00],
    ...[0x0a, body.length + 2, 0x01, body.length, ...body],
  ]);
}

/** A module declaring a 64-bit memory of no pages (memory section: one memory, flags 0x04, minimum 0). */
const memory64Module = (): Uint8Array => Uint8Array.from([...header, 0x05, 0x03, 0x01, 0x04, 0x00]);

let probed: WasmFeatures | undefined;

/** The optional features this runtime validates (probed on the first call). */
export function wasmFeatures(): WasmFeatures {
  probed ??= Object.freeze({
    relaxedSimd: WebAssembly.validate(relaxedSimdModule()),
    memory64: WebAssembly.validate(memory64Module()),
  });
  return probed;
}
