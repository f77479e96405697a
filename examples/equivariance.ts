/**
 * @file Fit a small MLP to an E(3)-invariant target (the mean pairwise distance of a 3-D point
 * cloud) from raw coordinates, with and without the invariance penalty, and print the test error
 * and the invariance error of each model (`npm run example:equivariance`).
 */
import * as x from 'xent';

const E = x.equivariance;
const [points, hidden, trainSize, testSize, steps, batch] = [5, 32, 256, 128, 400, 64];
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const stepsToRun = quick ? 20 : steps;

/** Clouds [count, points·3] drawn from a key, and their invariant targets [count]. */
function dataset(key: x.RandomKey, count: number): { clouds: x.Tensor; targets: x.Tensor } {
  const clouds = x.random.normal(key, [count, points, 3], { dtype: 'f64' });
  const d = Array.from({ length: count }, (_, i) => {
    const one = x.reshape(x.slice(clouds, [i, 0, 0], [i + 1, points, 3]), [points, 3]);
    return x.item(x.mean(x.pairwiseDistances(one)));
  });
  return {
    clouds: x.reshape(clouds, [count, points * 3]),
    targets: x.tensor(Float64Array.from(d), { shape: [count], dtype: 'f64' }),
  };
}

type Params = [x.Tensor, x.Tensor, x.Tensor, x.Tensor];

const init = (key: x.RandomKey): Params => {
  const [k1, k2] = x.random.split(key) as [x.RandomKey, x.RandomKey];
  return [
    x.random.normal(k1, [points * 3, hidden], { dtype: 'f64', scale: 1 / Math.sqrt(points * 3) }),
    x.zeros([hidden], { dtype: 'f64' }),
    x.random.normal(k2, [hidden, 1], { dtype: 'f64', scale: 1 / Math.sqrt(hidden) }),
    x.full([1], 1, { dtype: 'f64' }),
  ];
};

/** The model sees raw coordinates [B, points·3]: nothing in it is invariant. */
const model = ([w1, b1, w2, b2]: Params, flat: x.Tensor): x.Tensor =>
  x.reshape(x.add(x.matmul(x.tanh(x.add(x.matmul(flat, w1), b1)), w2), b2), [flat.shape[0] as number]);

/** E(3) acting on the flattened clouds: reshape to [B, points, 3], move, flatten. */
const cloudRep: x.equivariance.Rep<x.equivariance.Motion> = {
  ...E.motionRep(E.e3(1)),
  act: (g, flat) => {
    const b = flat.shape[0] as number;
    return x.reshape(E.motionRep(E.e3(1)).act(g, x.reshape(flat, [b, points, 3])), [b, points * 3]);
  },
};

function train(label: string, weight: number, data: ReturnType<typeof dataset>, key: x.RandomKey): Params {
  let params = init(key);
  const m = params.map((p) => x.zerosLike(p));
  const v = params.map((p) => x.zerosLike(p));
  const [lr, b1, b2] = [0.01, 0.9, 0.999];
  for (let step = 1; step <= stepsToRun; step++) {
    const start = ((step - 1) * batch) % trainSize;
    const xb = x.slice(data.clouds, [start, 0], [start + batch, points * 3]);
    const yb = x.slice(data.targets, [start], [start + batch]);
    const loss = (...p: x.Tensor[]): x.Tensor => {
      const ps = p as Params;
      const mse = x.mean(x.square(x.sub(model(ps, xb), yb)));
      if (weight === 0) return mse;
      const penalty = E.invariancePenalty((t) => model(ps, t), cloudRep, { samples: 2 })(
        xb,
        x.random.foldIn(key, step),
      );
      return x.add(mse, x.mul(weight, penalty));
    };
    const [value, grads] = x.valueAndGrad(loss, { argnums: [0, 1, 2, 3] })(...params);
    // Adam.
    params = params.map((p, i) => {
      const g = grads[i] as x.Tensor;
      m[i] = x.add(x.mul(b1, m[i] as x.Tensor), x.mul(1 - b1, g));
      v[i] = x.add(x.mul(b2, v[i] as x.Tensor), x.mul(1 - b2, x.square(g)));
      const mh = x.div(m[i], 1 - b1 ** step);
      const vh = x.div(v[i], 1 - b2 ** step);
      return x.sub(p, x.mul(lr, x.div(mh, x.add(x.sqrt(vh), 1e-8))));
    }) as Params;
    if (step % 50 === 0 || step === stepsToRun)
      process.stderr.write(`\r${label}: step ${step}/${stepsToRun}, loss ${x.item(value).toFixed(4)}   `);
  }
  process.stderr.write('\n');
  return params;
}

/** Test MSE, and the relative invariance error E_g ‖f(g·x) − f(x)‖²/E‖f(x)‖² over 16 random motions. */
function evaluate(params: Params, test: ReturnType<typeof dataset>): { mse: number; invariance: number } {
  const f = (t: x.Tensor): x.Tensor => model(params, t);
  const mse = x.item(x.mean(x.square(x.sub(f(test.clouds), test.targets))));
  const invariance = x.item(
    E.invariancePenalty(f, cloudRep, { samples: 16, relative: true })(test.clouds, x.random.key(99)),
  );
  return { mse, invariance };
}

const key = x.random.key(2026);
const [kTrain, kTest, kModel] = x.random.split(key, 3) as [x.RandomKey, x.RandomKey, x.RandomKey];
const trainData = dataset(kTrain, trainSize);
const testData = dataset(kTest, testSize);
const plain = evaluate(train('plain MSE        ', 0, trainData, kModel), testData);
const penalised = evaluate(train('MSE + invariance ', 1, trainData, kModel), testData);
const row = (name: string, r: { mse: number; invariance: number }): string =>
  `${name.padEnd(22)} ${r.mse.toFixed(4).padStart(9)} ${r.invariance.toExponential(2).padStart(15)}`;
console.log(
  `\nE(3)-invariant target (mean pairwise distance of ${points} points), MLP on raw coordinates, ${stepsToRun} Adam steps`,
);
console.log(`${'model'.padEnd(22)} ${'test MSE'.padStart(9)} ${'invariance err.'.padStart(15)}`);
console.log(row('plain MSE', plain));
console.log(row('MSE + invariance (λ=1)', penalised));
if (!quick && !(penalised.invariance < plain.invariance / 2)) {
  console.error('the invariance penalty did not reduce the invariance error');
  process.exitCode = 1;
}
