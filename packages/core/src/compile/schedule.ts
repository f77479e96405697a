/**
 * @file Pass: orders kernel launches and assigns buffers. Parameters and constants are buffers the
 * program is given; graph outputs get fresh buffers; every other materialised node gets a
 * temporary slot, and slots are reused once the last kernel reading them has run.
 */
import { InternalError } from '../errors.js';
import type { Node } from '../ir/node.js';
import { sizeOf } from '../ir/shape.js';
import type { BufferInfo, BufferSource, Program, Step } from '../kernel/program.js';
import type { LoweredProgram } from './lower.js';

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

  // The last launch reading each temporary.
  const lastRead = new Map<Node, number>();
  lowered.kernels.forEach((k, step) => {
    k.inputs.forEach((n) => lastRead.set(n, step));
  });

  const steps: Step[] = [];
  lowered.kernels.forEach((k, step) => {
    const inputs = k.inputs.map(leafBuffer);
    const outs = k.outputs.map((n) => {
      if (outputs.has(n)) return define(n, { kind: 'output' });
      const size = sizeOf(n.type.shape);
      const reuse = freeSlots.findIndex((s) => slots[s]?.dtype === n.type.dtype && slots[s].size === size);
      const slot =
        reuse >= 0 ? (freeSlots.splice(reuse, 1)[0] as number) : slots.push({ dtype: n.type.dtype, size }) - 1;
      return define(n, { kind: 'temp', slot });
    });
    steps.push({ kind: 'launch', kernel: k.kernel, inputs, outputs: outs });
    for (const n of new Set(k.inputs)) {
      const b = buffers[bufferOf.get(n) as number] as BufferInfo;
      if (b.source.kind === 'temp' && lastRead.get(n) === step) {
        steps.push({ kind: 'free', buffer: b.id });
        freeSlots.push(b.source.slot);
      }
    }
  });
  return { buffers, steps, outputs: graph.outputs.map(leafBuffer), slots };
}
