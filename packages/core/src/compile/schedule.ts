/**
 * @file Pass: orders kernel launches into launches and row groups (`rowGroups.ts`) and assigns
 * buffers. Parameters and constants are buffers the program is given; graph outputs get fresh
 * buffers; every other materialised node gets a temporary slot, and slots are reused once the last
 * launch or row group reading them has run. A kernel with only empty outputs is not launched.
 */
import { InternalError } from '../errors.js';
import type { Node } from '../ir/node.js';
import { sizeOf } from '../ir/shape.js';
import type { BufferInfo, BufferSource, LaunchStep, Program, Step } from '../kernel/program.js';
import type { LoweredKernel, LoweredProgram } from './lower.js';
import { rowGroups, type ScheduleUnit } from './rowGroups.js';

export function schedule(lowered: LoweredProgram): Program {
  const { graph } = lowered.partition;
  const buffers: BufferInfo[] = [];
  const bufferOf = new Map<Node, number>();
  const outputs = new Set(graph.outputs);
  const slots: { dtype: BufferInfo['dtype']; size: number }[] = [];
  const freeSlots: number[] = [];

  const define = (n: Node, source: BufferSource): number => {
    const id = buffers.length;
    buffers.push({ id, dtype: n.type.dtype, size: sizeOf(n.type.shape), source });
    bufferOf.set(n, id);
    return id;
  };
  graph.params.forEach((p, index) => define(p, { kind: 'param', index }));
  const leafBuffer = (n: Node): number => {
    const known = bufferOf.get(n);
    if (known !== undefined) return known;
    if (n.kind === 'const') return define(n, { kind: 'const', data: n.value });
    throw new InternalError(`node #${n.id} is read before any kernel writes it`);
  };

  const units = rowGroups(lowered.kernels);
  const kernelsOf = (u: ScheduleUnit): LoweredKernel[] =>
    (u.kind === 'launch' ? [u.kernel] : u.kernels).map((i) => lowered.kernels[i] as LoweredKernel);

  // The last unit reading each temporary: a row group reads its members' inputs until it ends.
  const lastRead = new Map<Node, number>();
  units.forEach((u, i) => {
    for (const k of kernelsOf(u)) for (const n of k.inputs) lastRead.set(n, i);
  });

  const launch = (k: LoweredKernel): LaunchStep => {
    const inputs = k.inputs.map(leafBuffer);
    const outs = k.outputs.map((n) => {
      if (outputs.has(n)) return define(n, { kind: 'output' });
      const size = sizeOf(n.type.shape);
      const reuse = freeSlots.findIndex((s) => slots[s]?.dtype === n.type.dtype && slots[s].size === size);
      const slot =
        reuse >= 0 ? (freeSlots.splice(reuse, 1)[0] as number) : slots.push({ dtype: n.type.dtype, size }) - 1;
      return define(n, { kind: 'temp', slot });
    });
    return { kind: 'launch', kernel: k.kernel, inputs, outputs: outs };
  };

  const steps: Step[] = [];
  units.forEach((u, i) => {
    // slots are freed only after the whole unit, so no two buffers of a row group share one
    // a kernel whose outputs have no elements computes nothing: its (empty) buffers exist, it is not launched
    const launches = kernelsOf(u)
      .map(launch)
      .filter((l) => l.outputs.some((b) => (buffers[b] as BufferInfo).size > 0));
    if (launches.length > 0)
      steps.push(u.kind === 'launch' ? (launches[0] as LaunchStep) : { kind: 'rowGroup', rows: u.rows, launches });
    for (const n of new Set(kernelsOf(u).flatMap((k) => k.inputs))) {
      const b = buffers[bufferOf.get(n) as number] as BufferInfo;
      if (b.source.kind === 'temp' && lastRead.get(n) === i) {
        steps.push({ kind: 'free', buffer: b.id });
        freeSlots.push(b.source.slot);
      }
    }
  });
  return { buffers, steps, outputs: graph.outputs.map(leafBuffer), slots };
}
