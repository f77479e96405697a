/**
 * @file The quick tour (`npm run quickstart`): a custom loss written as a plain function, its value, its
 * exact gradient, a Hessian-vector product, and a finite-difference check of the gradient.
 */
import * as x from 'xent';

/**
 * Label-smoothed cross-entropy with a confidence penalty, in logit space:
 * L(z, y) = mean_i [ (1 − ε)·CE(z_i, y_i) + ε·(LSE(z_i) − mean_k z_ik) − β·H(softmax z_i) ].
 */
function loss(z: x.Tensor, y: x.Tensor): x.Tensor {
  const eps = 0.1;
  const beta = 0.05;
  const lse = x.logsumexp(z, { axis: -1 });
  const target = x.squeeze(x.gather(z, x.expandDims(y, -1), { axis: -1 }), -1);
  const ce = x.sub(lse, target);
  const uniform = x.sub(lse, x.mean(z, { axis: -1 }));
  const logp = x.logSoftmax(z);
  const entropy = x.neg(x.sum(x.mul(x.exp(logp), logp), { axis: -1 }));
  const perRow = x.sub(x.add(x.mul(1 - eps, ce), x.mul(eps, uniform)), x.mul(beta, entropy));
  return x.mean(perRow);
}

const z = x.tensor(
  [
    [2.0, -1.0, 0.5, 0.0],
    [0.1, 0.2, -0.3, 3.0],
    [-2.0, 1.5, 1.0, 0.0],
  ],
  { dtype: 'f64' },
);
const y = x.tensor([0, 3, 1], { dtype: 'i32' });

const fmt = (t: x.Tensor): string =>
  JSON.stringify(t.toArray(), (_k, v: unknown) => (typeof v === 'number' ? Number(v.toFixed(6)) : v));

const [value, g] = x.valueAndGrad(loss)(z, y);
console.log(`loss            ${x.item(value).toFixed(6)}`);
console.log(`gradient        ${fmt(g)}`);

// Every row of ∂L/∂z sums to 0: the loss is invariant to adding a constant to a row of logits.
console.log(`row sums of ∇   ${fmt(x.sum(g, { axis: -1 }))}`);

const v = x.tensor(
  [
    [1, 0, 0, -1],
    [0, 1, -1, 0],
    [0.5, 0.5, -0.5, -0.5],
  ],
  { dtype: 'f64' },
);
const hv = x.hvp((t: x.Tensor) => loss(t, y))(z, v);
console.log(`Hessian · v     ${fmt(hv)}`);

// Check the gradient against central finite differences along a direction d (in f64).
const d = v;
const h = 1e-6;
const fd = (x.item(loss(x.add(z, x.mul(h, d)), y)) - x.item(loss(x.sub(z, x.mul(h, d)), y))) / (2 * h);
const analytic = x.item(x.sum(x.mul(g, d)));
console.log(`⟨∇L, d⟩         ${analytic.toExponential(9)}`);
console.log(`finite diff.    ${fd.toExponential(9)}  (|difference| = ${Math.abs(fd - analytic).toExponential(2)})`);

// The same loss, traced once and compiled.
const fast = x.jit(x.valueAndGrad(loss));
const [jv] = fast(z, y);
console.log(`jit value       ${x.item(jv).toFixed(6)} (the same graph, compiled once for this signature)`);
