/**
 * @file Pass: a linear-logit `stats` kernel and the `grad` kernel that reads its stats become one
 * `statsGrad` kernel when the grad's cotangent does not depend on the stats (a mean or a sum of the
 * loss, a cotangent passed in): each logit is then computed once instead of twice, and the kernels
 * are reordered so the cotangent is ready before the pair and the stats' readers run after it.
 */
import { InternalError } from '../errors.js';
import { linearLogitSlots } from '../ir/linearLogitLayout.js';
import type { Node } from '../ir/node.js';
import type { KernelInput, LinearLogitsKernel } from '../kernel/program.js';
import type { LoweredKernel, LoweredProgram } from './lower.js';

const linearPass = (
  k: LoweredKernel,
  pass: LinearLogitsKernel['pass'],
): k is LoweredKernel & {
  readonly kernel: LinearLogitsKernel;
} => k.kernel.kind === 'linearLogits' && k.kernel.pass === pass;

/** Whether kernel `from` reads, through any chain of kernels, an output of kernel `target`. */
function dependsOn(kernels: readonly LoweredKernel[], from: number, target: number): boolean {
  const producer = new Map<Node, number>();
  kernels.forEach((k, i) => {
    for (const o of k.outputs) producer.set(o, i);
  });
  const seen = new Set<number>();
  const stack = [from];
  while (stack.length > 0) {
    const i = stack.pop() as number;
    if (i === target) return true;
    if (seen.has(i)) continue;
    seen.add(i);
    for (const n of (kernels[i] as LoweredKernel).inputs) {
      const p = producer.get(n);
      if (p !== undefined) stack.push(p);
    }
  }
  return false;
}

/** The kernels in an order where each runs after the kernels writing its inputs, else in their given order. */
function topological(kernels: readonly LoweredKernel[]): LoweredKernel[] {
  const pending = [...kernels];
  const written = new Set(kernels.flatMap((k) => k.outputs));
  const ready = new Set<Node>();
  const ordered: LoweredKernel[] = [];
  while (pending.length > 0) {
    const next = pending.findIndex((k) => k.inputs.every((n) => !written.has(n) || ready.has(n)));
    if (next < 0) throw new InternalError('kernels read each other in a cycle');
    const [k] = pending.splice(next, 1) as [LoweredKernel];
    for (const o of k.outputs) ready.add(o);
    ordered.push(k);
  }
  return ordered;
}

/** Pairs every stats kernel with a grad kernel of the same operands whose cotangent it does not feed. */
export function pairLinearLogits(lowered: LoweredProgram): LoweredProgram {
  let kernels = [...lowered.kernels];
  for (;;) {
    const pair = kernels.flatMap((g, gi) => {
      if (!linearPass(g, 'grad')) return [];
      const slots = linearLogitSlots(g.kernel.targets, 'grad');
      const stats = g.inputs[slots.stats as number] as Node;
      const ct = g.inputs[slots.cotangent as number] as Node;
      const si = kernels.findIndex(
        (s) =>
          linearPass(s, 'stats') &&
          s.outputs[0] === stats &&
          s.inputs.every((n, i) => n === g.inputs[i]) &&
          s.kernel.softcap === g.kernel.softcap &&
          s.kernel.filter === g.kernel.filter,
      );
      const ctKernel = kernels.findIndex((k) => k.outputs.includes(ct));
      if (si < 0 || (ctKernel >= 0 && dependsOn(kernels, ctKernel, si))) return [];
      return [{ si, gi, ct, ctInput: g.kernel.inputs[slots.cotangent as number] as KernelInput }];
    })[0];
    if (pair === undefined) return { ...lowered, kernels: topological(kernels) };
    const { si, gi, ct, ctInput } = pair;
    const s = kernels[si] as LoweredKernel & { readonly kernel: LinearLogitsKernel };
    const g = kernels[gi] as LoweredKernel & { readonly kernel: LinearLogitsKernel };
    // the stats kernel's inputs (the operands), then the cotangent: the `statsGrad` slots
    const merged: LoweredKernel = {
      kernel: { ...g.kernel, pass: 'statsGrad', inputs: [...s.kernel.inputs, ctInput] },
      inputs: [...s.inputs, ct],
      outputs: [...s.outputs, ...g.outputs],
    };
    kernels = kernels.flatMap((k, i) => (i === si ? [merged] : i === gi ? [] : [k]));
  }
}
