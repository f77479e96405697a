/**
 * @file The benchmark workloads: their sizes, inputs, the bytes each must move (for the bandwidth
 * floor) and an f64 reference of (a sample of) their outputs for correctness.
 */
import { type FloatsAt, labels, normals } from './data.js';

export type WorkloadId = 'W1' | 'W2' | 'W3' | 'W4' | 'W5';

export interface Inputs {
  readonly dims: readonly number[];
  /** Float inputs (logits, or hidden states and classifier weights), f32. */
  readonly floats: readonly Float32Array[];
  readonly labels: Int32Array;
}

/** Reference outputs (f64) and where they sit in the library's flattened outputs. */
export interface Reference {
  /** For each checked output: its index in the library's outputs, flat positions, and expected values. */
  readonly checks: readonly {
    readonly output: number;
    readonly positions: readonly number[];
    readonly values: readonly number[];
  }[];
}

export interface Workload {
  readonly id: WorkloadId;
  readonly title: string;
  readonly sizes: readonly (readonly number[])[];
  /** The inputs, float ones made where `at` says (a library may hold them in its own memory, as C does). */
  readonly inputs: (dims: readonly number[], at?: FloatsAt) => Inputs;
  /** Bytes a perfect implementation must read and write. */
  readonly bytes: (dims: readonly number[]) => number;
  readonly reference: (inputs: Inputs) => Reference;
  /** Steps per timed run (W4 times many small steps and reports per step). */
  readonly steps?: number;
}

/** Per-row logsumexp in f64. */
function rowLse(z: Float32Array, row: number, v: number): number {
  let m = -Infinity;
  for (let j = 0; j < v; j++) m = Math.max(m, z[row * v + j] as number);
  let s = 0;
  for (let j = 0; j < v; j++) s += Math.exp((z[row * v + j] as number) - m);
  return m + Math.log(s);
}

/** A spread of row indices to check (all rows when there are few). */
const sampleRows = (n: number, k = 8): number[] =>
  n <= k ? [...Array(n).keys()] : Array.from({ length: k }, (_, i) => Math.floor((i * (n - 1)) / (k - 1)));

const logitInputs = (dims: readonly number[], at?: FloatsAt): Inputs => {
  const [n, v] = dims as [number, number];
  return { dims, floats: [normals(n * v, 2, 1, at, [n, v])], labels: labels(n, v, 2) };
};

const W1: Workload = {
  id: 'W1',
  title: 'softmax cross-entropy (mean) + gradient w.r.t. the logits',
  sizes: [
    [256, 1024],
    [1024, 32768],
    [4096, 50304],
  ],
  inputs: logitInputs,
  bytes: ([n, v]) => 4 * (n as number) * (v as number) * 3, // read the logits twice (fwd, bwd), write the gradient
  reference: ({ dims, floats, labels: y }) => {
    const [n, v] = dims as [number, number];
    const z = floats[0] as Float32Array;
    let loss = 0;
    const lse: number[] = [];
    for (let i = 0; i < n; i++) {
      lse.push(rowLse(z, i, v));
      loss += (lse[i] as number) - (z[i * v + (y[i] as number)] as number);
    }
    const positions: number[] = [];
    const values: number[] = [];
    for (const i of sampleRows(n)) {
      for (let j = 0; j < v; j += Math.max(1, Math.floor(v / 64))) {
        positions.push(i * v + j);
        values.push((Math.exp((z[i * v + j] as number) - (lse[i] as number)) - (j === y[i] ? 1 : 0)) / n);
      }
      positions.push(i * v + (y[i] as number));
      values.push((Math.exp((z[i * v + (y[i] as number)] as number) - (lse[i] as number)) - 1) / n);
    }
    return {
      checks: [
        { output: 0, positions: [0], values: [loss / n] },
        { output: 1, positions, values },
      ],
    };
  },
};

const W2: Workload = {
  id: 'W2',
  title: 'row logsumexp',
  sizes: W1.sizes,
  inputs: logitInputs,
  bytes: ([n, v]) => 4 * (n as number) * ((v as number) + 1),
  reference: ({ dims, floats }) => {
    const [n, v] = dims as [number, number];
    const rows = sampleRows(n, 64);
    return {
      checks: [{ output: 0, positions: rows, values: rows.map((i) => rowLse(floats[0] as Float32Array, i, v)) }],
    };
  },
};

const W3: Workload = {
  id: 'W3',
  title: 'linear + cross-entropy, gradients for hidden states and classifier',
  sizes: [
    [512, 256, 8192],
    [2048, 512, 32768],
    // the memory case: 4 GiB of f32 logits, as much again for their gradient
    [8192, 64, 128256],
  ],
  inputs: (dims, at) => {
    const [n, d, v] = dims as [number, number, number];
    return {
      dims,
      floats: [normals(n * d, 1, 3, at, [n, d]), normals(v * d, 1 / Math.sqrt(d), 4, at, [v, d])],
      labels: labels(n, v, 5),
    };
  },
  bytes: ([n, d, v]) => 4 * ((n as number) * (d as number) * 2 + (v as number) * (d as number) * 2),
  reference: ({ dims, floats, labels: y }) => {
    // ∂L/∂h for sampled rows: Σ_v (p_v − onehot_v)·W_v / N, in f64.
    const [n, d, v] = dims as [number, number, number];
    const [h, w] = floats as [Float32Array, Float32Array];
    const positions: number[] = [];
    const values: number[] = [];
    for (const i of sampleRows(n, 4)) {
      const logits = new Float64Array(v);
      for (let c = 0; c < v; c++) {
        let s = 0;
        for (let q = 0; q < d; q++) s += (h[i * d + q] as number) * (w[c * d + q] as number);
        logits[c] = s;
      }
      const m = logits.reduce((a, b) => Math.max(a, b), -Infinity);
      let se = 0;
      for (let c = 0; c < v; c++) se += Math.exp((logits[c] as number) - m);
      const grad = new Float64Array(d);
      for (let c = 0; c < v; c++) {
        const g = Math.exp((logits[c] as number) - m) / se - (c === y[i] ? 1 : 0);
        for (let q = 0; q < d; q++) grad[q] = (grad[q] as number) + (g * (w[c * d + q] as number)) / n;
      }
      for (let q = 0; q < d; q++) {
        positions.push(i * d + q);
        values.push(grad[q] as number);
      }
    }
    return { checks: [{ output: 1, positions, values }] };
  },
};

/** W4's loss: a small two-layer classifier with label smoothing, an entropy bonus and weight decay (~30 ops). */
export const W4_SHAPES = { batch: 8, features: 10, hidden: 16, classes: 10 } as const;

/** W4's loss in f64: 0.9·nll + 0.1·smooth − 0.01·ent + 1e-3·(‖w1‖² + ‖w2‖²) over lp = logSoftmax(tanh(x·w1)·w2). */
function smallLossF64(x: Float32Array, w1: Float64Array, w2: Float64Array, y: Int32Array): number {
  const { batch, features, hidden, classes } = W4_SHAPES;
  let nll = 0;
  let smooth = 0;
  let ent = 0;
  for (let b = 0; b < batch; b++) {
    const t = Array.from({ length: hidden }, (_, h) => {
      let a = 0;
      for (let f = 0; f < features; f++) a += (x[b * features + f] as number) * (w1[f * hidden + h] as number);
      return Math.tanh(a);
    });
    const z = Array.from({ length: classes }, (_, c) =>
      t.reduce((s, th, h) => s + th * (w2[h * classes + c] as number), 0),
    );
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((s, zc) => s + Math.exp(zc - m), 0));
    z.forEach((zc, c) => {
      const lp = zc - lse;
      smooth += lp;
      ent += Math.exp(lp) * lp;
      if (c === y[b]) nll += lp;
    });
  }
  const decay = [...w1, ...w2].reduce((s, v) => s + v * v, 0);
  return (-0.9 * nll) / batch - (0.1 * smooth) / (batch * classes) + (0.01 * ent) / batch + 1e-3 * decay;
}

const W4: Workload = {
  id: 'W4',
  title: 'autodiff overhead: a ~30-op loss on [8, 10], forward + backward, per step',
  sizes: [[8, 10]],
  steps: 10_000,
  inputs: (dims, at) => {
    const { batch, features, hidden, classes } = W4_SHAPES;
    return {
      dims,
      floats: [
        normals(batch * features, 1, 6, at, [batch, features]),
        normals(features * hidden, 0.3, 7, at, [features, hidden]),
        normals(hidden * classes, 0.3, 8, at, [hidden, classes]),
      ],
      labels: labels(batch, classes, 9),
    };
  },
  bytes: () => 0,
  reference: ({ floats, labels: y }) => {
    // the loss in f64, and its gradients by central differences of that f64 loss (an oracle independent of autodiff)
    const params = [Float64Array.from(floats[1] as Float32Array), Float64Array.from(floats[2] as Float32Array)];
    const loss = (): number =>
      smallLossF64(floats[0] as Float32Array, params[0] as Float64Array, params[1] as Float64Array, y);
    const step = 1e-5;
    const gradients = params.map((p, k) => ({
      output: k + 1,
      positions: [...p.keys()],
      values: [...p.keys()].map((i) => {
        const saved = p[i] as number;
        p[i] = saved + step;
        const up = loss();
        p[i] = saved - step;
        const down = loss();
        p[i] = saved;
        return (up - down) / (2 * step);
      }),
    }));
    return { checks: [{ output: 0, positions: [0], values: [loss()] }, ...gradients] };
  },
};

const W5: Workload = {
  id: 'W5',
  title: 'Shannon entropy of softmax rows (mean) + gradient',
  sizes: [[4096, 1024]],
  inputs: logitInputs,
  bytes: ([n, v]) => 4 * (n as number) * (v as number) * 3,
  reference: ({ dims, floats }) => {
    const [n, v] = dims as [number, number];
    const z = floats[0] as Float32Array;
    let total = 0;
    const positions: number[] = [];
    const values: number[] = [];
    const rows = new Set(sampleRows(n));
    for (let i = 0; i < n; i++) {
      const lse = rowLse(z, i, v);
      let h = 0;
      for (let j = 0; j < v; j++) {
        const lp = (z[i * v + j] as number) - lse;
        h -= Math.exp(lp) * lp;
      }
      total += h;
      if (rows.has(i)) {
        // ∂H/∂z_j = −p_j (log p_j + H)
        for (let j = 0; j < v; j += 16) {
          const lp = (z[i * v + j] as number) - lse;
          positions.push(i * v + j);
          values.push((-Math.exp(lp) * (lp + h)) / n);
        }
      }
    }
    return {
      checks: [
        { output: 0, positions: [0], values: [total / n] },
        { output: 1, positions, values },
      ],
    };
  },
};

export const workloads: Readonly<Record<WorkloadId, Workload>> = { W1, W2, W3, W4, W5 };
