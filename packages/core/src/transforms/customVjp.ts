/** @file customVjp: a function whose backward pass the user writes (for numerically delicate composites). */
import { newCustomRuleId } from './customRuleId.js';
import { either as E } from 'fp-ts';
import { fail, GradError } from '../errors.js';
import { customCall } from '../ir/build.js';
import { formatIrError, irError } from '../ir/irError.js';
import { type CustomRule, makeParamNode, type Node, type TensorType } from '../ir/node.js';
import { formatType } from '../ir/printer.js';
import { shapeEq } from '../ir/shape.js';
import { describe, requireTensor, wrap } from '../trace/apply.js';
import { Tensor } from '../trace/tensor.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';

/** The forward pass: the output and whatever the backward pass needs (residuals). */
export type CustomForward<A extends readonly Tensor[], R> = (...args: A) => readonly [Tensor, R];

/** The backward pass: one cotangent per argument (null for zero), from the residuals and the output cotangent. */
export type CustomBackward<R> = (residuals: R, cotangent: Tensor) => readonly (Tensor | null)[];

/**
 * A function whose value is `fwd(...args)[0]` and whose VJP is `bwd`. The backward graph is built
 * from ordinary ops, so it can itself be differentiated (second order goes through `bwd`).
 */
export const customVjp = publicFn(
  'customVjp',
  { fwd: s.fn, bwd: s.fn, options: s.options({ name: s.optional(s.string) }) },
  customVjpImpl,
);

function customVjpImpl<A extends readonly Tensor[], R>(
  fwd: CustomForward<A, R>,
  bwd: CustomBackward<R>,
  options: { readonly name?: string } = {},
): (...args: A) => Tensor {
  const name = options.name ?? (fwd.name || 'customVjp');
  const run = (inputs: readonly Node[]) => {
    const [out, residuals] = fwd(...(inputs.map((n) => wrap(n)) as unknown as A));
    return { out: requireTensor(name, 'fwd output', out), residuals };
  };
  const types = new Map<string, TensorType>();
  const rule: CustomRule = {
    id: newCustomRuleId(),
    name,
    type: (inputs) => {
      const key = inputs.map(formatType).join('|');
      let t = types.get(key);
      if (t === undefined) {
        t = run(inputs.map((it) => makeParamNode(it, 'probe'))).out.node.type;
        types.set(key, t);
      }
      return E.right(t);
    },
    expand: (inputs) => run(inputs).out.node,
    vjp: (inputs, ct) => {
      const { residuals } = run(inputs);
      const grads = bwd(residuals, wrap(ct));
      if (!Array.isArray(grads) || grads.length !== inputs.length) {
        throw new GradError(
          name,
          `xent.${name}: the custom backward pass must return ${inputs.length} cotangent(s) (null for none), got ${describe(grads)}`,
        );
      }
      return grads.map((g, i) => {
        if (g === null) return null;
        const input = inputs[i] as Node;
        if (!(g instanceof Tensor) || g.dtype !== input.type.dtype || !shapeEq(g.node.type.shape, input.type.shape)) {
          const e = irError(
            'ShapeMismatch',
            name,
            `backward result ${i}`,
            formatType(input.type),
            g instanceof Tensor ? formatType(g.node.type) : describe(g),
          );
          throw new GradError(name, `xent.${formatIrError(e)}`);
        }
        return g.node;
      });
    },
  };
  return (...args: A): Tensor => {
    const tensors = args.map((a, i) => requireTensor(name, `args[${i}]`, a));
    if (tensors.length === 0) fail(GradError, name, 'args', 'at least one tensor', 'none');
    if (tensors.every((t) => !t.isTraced)) return run(tensors.map((t) => t.node)).out;
    return wrap(
      customCall(
        rule,
        tensors.map((t) => t.node),
      ),
    );
  };
}
