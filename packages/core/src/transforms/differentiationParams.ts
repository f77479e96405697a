/** @file The arguments of the differentiation transforms (grad, valueAndGrad, jacrev, jacfwd, jacobian, hessian): the function, which arguments, and hasAux. */
import * as s from '../validate/schemas.js';

export const differentiationParams = {
  f: s.fn,
  options: s.options({
    argnums: s.optional(
      s.either(s.number({ min: 0, integer: true }), s.array(s.number({ min: 0, integer: true }), { minLength: 1 })),
    ),
    hasAux: s.optional(s.boolean),
  }),
};
