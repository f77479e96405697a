/**
 * @file Storage bindings of a kernel. A buffer larger than the device's binding limit is bound as
 * several chunks of one GPU buffer, and kernels read and write it through generated accessor
 * functions that pick the chunk, so work over any size runs without refusing or truncating.
 */
import type { DType } from '@xent/core';
import { indexSite } from '@xent/core/internal';
import { wgslType } from './wgslOps.js';

/** The i32 words of a program's index-check status buffer (cleared before each run). */
export const StatusWord = {
  /** 1 once a check failed (0: none did) */
  Failed: 0,
  /** the first failure's index */
  Index: 1,
  /** the first failure's site (core's `indexSite`: its bound and whom it blames) */
  Site: 2,
} as const;

/**
 * The WGSL of index `j` checked against [0, bound) by a kernel that binds the status array; a
 * failure blames `site` (core's `indexSite`: a gather's indices unless a check names another).
 */
export const checkedIndex = (j: string, bound: number, site = indexSite(bound)): string =>
  `xent_check(${j}, ${bound}, ${site})`;

export interface BufferSpec {
  /** WGSL name stem (in0, out1, ...). */
  readonly name: string;
  readonly dtype: DType;
  readonly size: number;
  readonly access: 'read' | 'read_write';
  readonly role: 'input' | 'output' | 'scratch';
}

/** Specs of a kernel's inputs (in0, in1, ...), read-only. */
export const inputSpecs = (inputs: readonly { readonly dtype: DType; readonly size: number }[]): BufferSpec[] =>
  inputs.map((b, i) => ({ name: `in${i}`, dtype: b.dtype, size: b.size, access: 'read', role: 'input' }));

/** The spec of output `index` (out0, out1, ...). */
export const outputSpec = (index: number, dtype: DType, size: number): BufferSpec => ({
  name: `out${index}`,
  dtype,
  size,
  access: 'read_write',
  role: 'output',
});

/** One binding: a chunk of a kernel buffer (by index into the kernel's buffer list) or the status word array. */
export interface Binding {
  readonly buffer: number | 'status';
  readonly offsetBytes: number;
  readonly sizeBytes: number;
  /** Whether the shader declares it `read` (its layout entry is then read-only storage). */
  readonly readOnly: boolean;
}

/** Elements per binding chunk for a binding limit (a multiple of 64 elements, so offsets stay 256-byte aligned). */
export const chunkElements = (maxBindingBytes: number): number => Math.floor(maxBindingBytes / 4 / 64) * 64;

/** Element type in storage: bools as u32. */
const storageType = (d: DType): string => (d === 'bool' ? 'u32' : wgslType(d));

/** Declarations, accessor functions and the binding list for the buffers (then the status array if needed). */
export function renderBuffers(
  specs: readonly BufferSpec[],
  maxBindingBytes: number,
  status: boolean,
): { code: string; bindings: Binding[] } {
  const chunk = chunkElements(maxBindingBytes);
  const lines: string[] = [];
  const bindings: Binding[] = [];
  specs.forEach((b, index) => {
    const chunks = Math.max(1, Math.ceil(b.size / chunk));
    const st = storageType(b.dtype);
    const vt = wgslType(b.dtype);
    for (let c = 0; c < chunks; c++) {
      const elems = Math.max(1, Math.min(chunk, b.size - c * chunk));
      lines.push(`@group(0) @binding(${bindings.length}) var<storage, ${b.access}> ${b.name}_${c}: array<${st}>;`);
      bindings.push({ buffer: index, offsetBytes: c * chunk * 4, sizeBytes: elems * 4, readOnly: b.access === 'read' });
    }
    const read = (c: number, at: string): string =>
      b.dtype === 'bool' ? `(${b.name}_${c}[${at}] != 0u)` : `${b.name}_${c}[${at}]`;
    const pick = (body: (c: number, at: string) => string): string[] => {
      if (chunks === 1) return [`  ${body(0, 'i')}`];
      const out: string[] = [];
      for (let c = 0; c < chunks - 1; c++) out.push(`  if (i < ${(c + 1) * chunk}) { ${body(c, `i - ${c * chunk}`)} }`);
      out.push(`  ${body(chunks - 1, `i - ${(chunks - 1) * chunk}`)}`);
      return out;
    };
    lines.push(`fn ld_${b.name}(i: i32) -> ${vt} {`, ...pick((c, at) => `return ${read(c, at)};`), '}');
    if (b.access === 'read_write') {
      const value = b.dtype === 'bool' ? 'select(0u, 1u, v)' : 'v';
      lines.push(
        `fn st_${b.name}(i: i32, v: ${vt}) {`,
        ...pick((c, at) => `${b.name}_${c}[${at}] = ${value}; return;`),
        '}',
      );
    }
  });
  if (status) {
    lines.push(`@group(0) @binding(${bindings.length}) var<storage, read_write> xent_status: array<atomic<i32>, 4>;`);
    bindings.push({ buffer: 'status', offsetBytes: 0, sizeBytes: 16, readOnly: false });
    // A bad index is recorded (the host raises the IndexError of its check's site when the results are
    // read) and clamped, so the kernel never reads outside its buffers. The status words are
    // `StatusWord`'s: the first failure of the run (in any kernel) writes the index and the site.
    lines.push(
      'fn xent_check(j: i32, n: i32, site: i32) -> i32 {',
      '  if (j < 0 || j >= n) {',
      `    if (atomicExchange(&xent_status[${StatusWord.Failed}], 1) == 0) { atomicStore(&xent_status[${StatusWord.Index}], j); atomicStore(&xent_status[${StatusWord.Site}], site); }`,
      '    return clamp(j, 0, n - 1);',
      '  }',
      '  return j;',
      '}',
    );
  }
  return { code: lines.join('\n'), bindings };
}
