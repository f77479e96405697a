/** @file MNIST digits from the `mnist` package (10 000 real digits, 28×28 in [0, 1]), split per class, with symmetric label noise. */
import { createRequire } from 'node:module';
import * as x from 'xent';

const require = createRequire(import.meta.url);

export interface Split {
  /** Images [n, 784], f32. */
  readonly images: x.Tensor;
  readonly labels: Int32Array;
}

/** Every digit with its class, in file order. */
function loadAll(): { pixels: Float32Array; labels: Int32Array } {
  const raws = Array.from({ length: 10 }, (_, d) => (require(`mnist/src/digits/${d}.json`) as { data: number[] }).data);
  const total = raws.reduce((s, r) => s + r.length / 784, 0);
  const pixels = new Float32Array(total * 784);
  const labels = new Int32Array(total);
  let at = 0;
  raws.forEach((raw, d) => {
    pixels.set(raw, at * 784);
    labels.fill(d, at, at + raw.length / 784);
    at += raw.length / 784;
  });
  return { pixels, labels };
}

/** A stratified split: `testFraction` of each class held out, the rest shuffled for training (`limit` caps both). */
export function mnistSplit(
  key: x.RandomKey,
  testFraction = 0.2,
  limit?: { readonly train: number; readonly test: number },
): { train: Split; test: Split } {
  const { pixels, labels } = loadAll();
  const order = Array.from(x.random.permutation(key, labels.length).data());
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  const seen = new Array<number>(10).fill(0);
  const counts = new Array<number>(10).fill(0);
  for (const l of labels) counts[l] = (counts[l] as number) + 1;
  for (const i of order) {
    const l = labels[i] as number;
    if ((seen[l] as number) < Math.round((counts[l] as number) * testFraction)) testIdx.push(i);
    else trainIdx.push(i);
    seen[l] = (seen[l] as number) + 1;
  }
  const take = (idx: number[], n: number | undefined): Split => {
    const chosen = n === undefined ? idx : idx.slice(0, n);
    const images = new Float32Array(chosen.length * 784);
    chosen.forEach((i, k) => {
      images.set(pixels.subarray(i * 784, (i + 1) * 784), k * 784);
    });
    return {
      images: x.tensor(images, { shape: [chosen.length, 784] }),
      labels: Int32Array.from(chosen.map((i) => labels[i] as number)),
    };
  };
  return { train: take(trainIdx, limit?.train), test: take(testIdx, limit?.test) };
}

/** Symmetric noise: each label is replaced, with probability `rate`, by a uniformly drawn different class. */
export function withSymmetricNoise(labels: Int32Array, rate: number, key: x.RandomKey): Int32Array {
  const u = x.random.uniform(key, [labels.length, 2], { dtype: 'f64' }).data();
  return labels.map((l, i) => {
    if ((u[2 * i] as number) >= rate) return l;
    const other = Math.min(8, Math.floor((u[2 * i + 1] as number) * 9));
    return other >= l ? other + 1 : other;
  });
}
