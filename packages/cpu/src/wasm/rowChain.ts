/**
 * @file Row groups on the CPU: one WebAssembly module per group holding each member's kernel and a
 * driver that walks its row range in blocks small enough to stay in L2, running every member on a
 * block before the next, so the group reads each row from memory once. Where a member does not
 * vectorise, the members run one after another over all rows instead.
 */
import type { HostArray } from '@xent/core';
import {
  bytesPer,
  formatKernel,
  type Kernel,
  kernelOutputSizes,
  type LaunchStep,
  type MapKernel,
  type RowGroupStep,
  type WasmImportName,
  wasmImports,
  wasmSignature,
} from '@xent/core/internal';
import { loop } from './emit.js';
import { addressParam, FunctionBuilder, ModuleBuilder, type ValType } from './encoder.js';
import { instantiate, kernelParams } from './compile.js';
import { emitMapKernel } from './mapKernel.js';
import { wasmIneligibility } from './plan.js';
import { memoryType } from '../memory.js';
import { type PoolKernel, runSplit } from '../threads/pool.js';
import { MAX_JOB_ARGS } from '../threads/worker.js';

/**
 * Runs a step given its buffers' views and byte offsets and the scratch offset (the backend's
 * runner); `readsViews` false when it reads offsets only (WebAssembly kernels), so a run need not
 * gather its views.
 */
export interface StepRunner {
  readonly run: (views: readonly HostArray[], offsets: readonly number[], scratch: number) => void;
  readonly readsViews: boolean;
}

/** Bytes of row data a block of rows aims at: what its members touch of it stays in L2 between them. */
const BLOCK_BYTES = 192 * 1024;

/** The buffers a row group's runner takes: each member's inputs then outputs, member after member. */
export const groupBuffers = (step: RowGroupStep): number[] => step.launches.flatMap((l) => [...l.inputs, ...l.outputs]);

/** Whether a member is a 1-D elementwise kernel, whose vector loop runs over rows and needs ranges starting at multiples of 4. */
const rowVectorised = (k: MapKernel): boolean => k.shape.length === 1 && k.reduce === undefined;

/** Records the element count and bytes per element of each buffer a launch touches, by buffer id. */
function recordBuffers(l: LaunchStep, into: Map<number, readonly [size: number, bytes: number]>): void {
  const k = l.kernel as MapKernel;
  l.inputs.forEach((b, i) => {
    const input = k.inputs[i];
    if (input !== undefined) into.set(b, [input.size, bytesPer[input.dtype]]);
  });
  const sizes = kernelOutputSizes(k);
  l.outputs.forEach((b, i) => {
    const out = k.outputs[i];
    if (out !== undefined) into.set(b, [sizes[i] as number, bytesPer[out.dtype]]);
  });
}

/**
 * Rows per block: BLOCK_BYTES over the bytes per row of the buffers the group touches that hold
 * whole rows (a buffer whose size is not a multiple of the rows is shared by all rows), at least
 * one row, and a multiple of `align`.
 */
export function blockRows(step: RowGroupStep, align: number): number {
  const buffers = new Map<number, readonly [size: number, bytes: number]>();
  for (const l of step.launches) recordBuffers(l, buffers);
  let rowBytes = 0;
  for (const [size, bytes] of buffers.values()) if (size % step.rows === 0) rowBytes += (size / step.rows) * bytes;
  const rows = Math.min(step.rows, Math.max(1, Math.floor(BLOCK_BYTES / Math.max(rowBytes, 1))));
  return Math.max(align, rows - (rows % align));
}

/** Where a group-local buffer lives during a block: at `offset` in its thread's scratch, `rowBytes` per row. */
export interface LocalPlace {
  readonly offset: number;
  readonly rowBytes: number;
}

/**
 * The module bytes of a chain over `kernels`: each member as `member<i>(ins…, outs…, lo, hi)`, and
 * `kernel(…every member's offsets, scratch, chunk, lo, hi)` calling every member on [a, min(a +
 * block, hi)) for a = lo, lo + block, … (relaxed SIMD in exp and log with `relaxed`). The member
 * argument at flat position p whose `locals[p]` is set reads and writes that block's rows in the
 * calling thread's scratch (at scratch + chunk·threadBytes) instead of its buffer: its base is
 * moved back by a rows so that row a lands at the start of its place.
 */
export function rowChainModule(
  kernels: readonly MapKernel[],
  block: number,
  relaxed: boolean,
  locals: readonly (LocalPlace | undefined)[],
  threadBytes: number,
): Uint8Array {
  const mb = new ModuleBuilder(memoryType);
  const index = new Map<WasmImportName, number>();
  for (const name of wasmImports) {
    const { params, results } = wasmSignature(name);
    index.set(name, mb.importFunction(name, params, results));
  }
  const members = kernels.map((k, i) => {
    const args = k.inputs.length + k.outputs.length;
    const f = new FunctionBuilder(kernelParams(args), [], memoryType.address);
    emitMapKernel(k, f, (name) => index.get(name) as number, relaxed);
    return { fn: mb.addFunction(`member${i}`, f), args };
  });
  const total = members.reduce((sum, m) => sum + m.args, 0);
  // (offsets…, scratch, chunk, lo, hi): addresses as the memory's address parameters
  const address: ValType = addressParam(memoryType.address);
  const params: ValType[] = [...kernelParams(total).slice(0, total), address, 'i32', 'i32', 'i32'];
  const driver = new FunctionBuilder(params, [], memoryType.address);
  const [scratch, chunk, lo, hi] = [total, total + 1, total + 2, total + 3];
  const [a, b, mine] = [driver.local('i32'), driver.local('i32'), driver.local(address)];
  // mine = scratch + chunk·threadBytes: this thread's scratch (f64 arithmetic on a 64-bit memory's addresses: exact below 2^53)
  const wide = address === 'f64';
  driver.op('local.get', scratch).op('local.get', chunk);
  if (wide) driver.op('f64.convert_i32_u').op('f64.const', threadBytes).op('f64.mul').op('f64.add');
  else driver.op('i32.const', threadBytes).op('i32.mul').op('i32.add');
  driver.op('local.set', mine);
  const bases = locals.map((place) => (place === undefined ? undefined : { place, local: driver.local(address) }));
  loop(
    driver,
    a,
    (g) => g.op('local.get', lo),
    (g) => g.op('local.get', hi),
    block,
    (g) => {
      // b = min(a + block, hi)
      g.op('local.get', a).op('i32.const', block).op('i32.add').op('local.tee', b);
      g.op('local.get', hi).op('local.get', b).op('local.get', hi).op('i32.lt_s').op('select').op('local.set', b);
      // each local's base = mine + offset − a·rowBytes, below the scratch by a rows (only rows [a, b)
      // are addressed: i32 arithmetic wraps back into the scratch; a 64-bit memory's members take a
      // negative base as a signed address and add their unsigned offsets to it)
      for (const base of bases) {
        if (base === undefined) continue;
        if (wide) {
          g.op('local.get', mine).op('f64.const', base.place.offset).op('f64.add');
          g.op('local.get', a).op('f64.convert_i32_u').op('f64.const', base.place.rowBytes).op('f64.mul').op('f64.sub');
        } else {
          g.op('local.get', mine).op('i32.const', base.place.offset).op('i32.add');
          g.op('local.get', a).op('i32.const', base.place.rowBytes).op('i32.mul').op('i32.sub');
        }
        g.op('local.set', base.local);
      }
      let first = 0;
      for (const m of members) {
        for (let p = 0; p < m.args; p++) g.op('local.get', bases[first + p]?.local ?? first + p);
        g.op('local.get', a).op('local.get', b).op('call', m.fn);
        first += m.args;
      }
    },
  );
  mb.addFunction('kernel', driver);
  return mb.toBytes();
}

/**
 * A compiled chain: the pool kernel, the multiple its thread ranges must start at, the group-local
 * buffers it keeps in its scratch and the scratch bytes each thread needs for them.
 */
export interface RowChain {
  readonly kernel: PoolKernel;
  readonly align: number;
  readonly locals: ReadonlySet<number>;
  readonly threadBytes: number;
}

const align64 = (n: number): number => Math.ceil(n / 64) * 64;

/**
 * The compiled chain of a row group whose buffers `locals` live only inside it (kept a block at a
 * time in each thread's scratch), or undefined when a member does not vectorise or the members'
 * offsets are more than a pool job carries.
 */
export function rowChain(step: RowGroupStep, relaxed: boolean, locals: ReadonlySet<number>): RowChain | undefined {
  const kernels: MapKernel[] = [];
  for (const l of step.launches) {
    if (l.kernel.kind !== 'map' || wasmIneligibility(l.kernel) !== undefined) return undefined;
    kernels.push(l.kernel);
  }
  const flat = groupBuffers(step);
  if (flat.length + 4 > MAX_JOB_ARGS) return undefined;
  const align = kernels.some(rowVectorised) ? 4 : 1;
  const block = blockRows(step, align);
  const buffers = new Map<number, readonly [size: number, bytes: number]>();
  for (const l of step.launches) recordBuffers(l, buffers);
  const places = new Map<number, LocalPlace>();
  let threadBytes = 0;
  for (const id of locals) {
    const [size, bytes] = buffers.get(id) ?? [0, 0];
    const rowBytes = (size / step.rows) * bytes;
    places.set(id, { offset: threadBytes, rowBytes });
    threadBytes += align64(block * rowBytes);
  }
  const placeOf = flat.map((id) => places.get(id));
  const layout = placeOf.map((p) => (p === undefined ? '-' : `${p.offset}+${p.rowBytes}`)).join(',');
  const key = `rowChain block ${block} locals ${layout} of ${threadBytes}${relaxed ? ' relaxed' : ''}\n${kernels.map(formatKernel).join('\n')}`;
  return {
    kernel: instantiate(key, () => rowChainModule(kernels, block, relaxed, placeOf, threadBytes)),
    align,
    locals,
    threadBytes,
  };
}

/** Elements (or multiply-adds) a kernel's loops visit. */
const workOf = (k: Kernel): number =>
  k.kind === 'map' ? k.shape.concat(k.reduce?.shape ?? []).reduce((x, y) => x * y, 1) : Infinity;

/**
 * The runner of a row group: its `chain` when it has one, split by rows across `threads` when the
 * members' work reaches `splitWork` (its group-local buffers in the scratch); else each member's own
 * runner in turn, on its slice of the group's buffers (`groupBuffers`).
 */
export function rowGroupRunner(
  step: RowGroupStep,
  chain: RowChain | undefined,
  threads: number,
  memberRunner: (k: Kernel) => StepRunner,
  splitWork: number,
): StepRunner {
  if (chain !== undefined) {
    const work = step.launches.reduce((sum, l) => sum + workOf(l.kernel), 0);
    const split = work >= splitWork ? threads : 1;
    return {
      run: (_views, offsets, scratch) => {
        runSplit(chain.kernel, offsets, step.rows, split, chain.align, scratch, true);
      },
      readsViews: false,
    };
  }
  const members = step.launches.map((l) => ({
    runner: memberRunner(l.kernel),
    count: l.inputs.length + l.outputs.length,
  }));
  return {
    run: (views, offsets, scratch) => {
      let first = 0;
      for (const m of members) {
        m.runner.run(views.slice(first, first + m.count), offsets.slice(first, first + m.count), scratch);
        first += m.count;
      }
    },
    readsViews: members.some((m) => m.runner.readsViews),
  };
}
