/**
 * @file The part of the WebAssembly JS API this backend uses. Node provides it at run time, but
 * neither lib ES2023 nor @types/node declares it (only lib DOM does, which a Node package should not pull in).
 */
declare namespace WebAssembly {
  /** A 32-bit memory counts pages in numbers; a 64-bit one (memory64, `address: 'i64'`) in BigInts. */
  type MemoryDescriptor =
    | { initial: number; maximum?: number; shared?: boolean }
    | { initial: bigint; maximum?: bigint; shared?: boolean; address: 'i64' };
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(delta: number): number;
    grow(delta: bigint): bigint;
  }
  interface Module {
    readonly __wasmModule?: never;
  }
  const Module: new (bytes: Uint8Array) => Module;
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  function validate(bytes: Uint8Array): boolean;
}
