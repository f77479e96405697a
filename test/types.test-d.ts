/**
 * @file Type-level shapes: with literal (or named) dims, mismatches fail to compile; correct programs
 * compile with the right result types; plain `number` dims defer to the runtime check.
 * Checked by `tsc` (npm run typecheck) and by vitest's typecheck project.
 */
import { expectTypeOf, test } from 'vitest';
import * as x from 'xent';

declare const a23: x.Tensor<[2, 3], 'f32'>;
declare const b34: x.Tensor<[3, 4], 'f32'>;
declare const c45: x.Tensor<[4, 5], 'f32'>;
declare const v3: x.Tensor<[3], 'f32'>;
declare const col2: x.Tensor<[2, 1], 'f32'>;
declare const d23: x.Tensor<[2, 3], 'f64'>;
declare const nk: x.Tensor<['N', 'K'], 'f32'>;
declare const kc: x.Tensor<['K', 'C'], 'f32'>;
declare const mk: x.Tensor<['M', 'K'], 'f32'>;
declare const dyn: x.Tensor<number[], 'f32'>;

test('shapes are inferred from literals', () => {
  expectTypeOf(
    x.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]),
  ).toEqualTypeOf<x.Tensor<[2, 3], 'f32'>>();
  expectTypeOf(x.tensor([1, 2], { dtype: 'f64' })).toEqualTypeOf<x.Tensor<[2], 'f64'>>();
  expectTypeOf(x.tensor(new Float64Array(6), { shape: [2, 3] })).toEqualTypeOf<x.Tensor<[2, 3], 'f64'>>();
  expectTypeOf(x.zeros([4, 5])).toEqualTypeOf<x.Tensor<[4, 5], 'f32'>>();
  expectTypeOf(a23.shape).toEqualTypeOf<readonly [2, 3]>();
});

test('a correct program compiles with the right result types', () => {
  expectTypeOf(x.matmul(a23, b34)).toEqualTypeOf<x.Tensor<[2, 4], 'f32'>>();
  expectTypeOf(x.matmul(x.matmul(a23, b34), c45)).toEqualTypeOf<x.Tensor<[2, 5], 'f32'>>();
  expectTypeOf(x.matmul(a23, v3)).toEqualTypeOf<x.Tensor<[2], 'f32'>>();
  expectTypeOf(x.add(a23, v3)).toEqualTypeOf<x.Tensor<[2, 3], 'f32'>>();
  expectTypeOf(x.mul(col2, v3)).toEqualTypeOf<x.Tensor<[2, 3], 'f32'>>();
  expectTypeOf(x.mul(a23, 2)).toEqualTypeOf<x.Tensor<[2, 3], 'f32'>>();
  expectTypeOf(x.less(a23, 0)).toEqualTypeOf<x.Tensor<[2, 3], 'bool'>>();
  expectTypeOf(x.exp(a23)).toEqualTypeOf<x.Tensor<[2, 3], 'f32'>>();
  expectTypeOf(x.sum(a23)).toEqualTypeOf<x.Tensor<[], 'f32'>>();
  expectTypeOf(x.sum(a23, { axis: 1 })).toEqualTypeOf<x.Tensor<[2], 'f32'>>();
  expectTypeOf(x.logsumexp(a23, { axis: -1, keepDims: true })).toEqualTypeOf<x.Tensor<[2, 1], 'f32'>>();
  expectTypeOf(x.max(a23, { axis: 0 })).toEqualTypeOf<x.Tensor<[3], 'f32'>>();
  expectTypeOf(x.softmax(a23)).toEqualTypeOf<x.Tensor<[2, 3], 'f32'>>();
  expectTypeOf(x.where(x.less(a23, 0), a23, 0)).toEqualTypeOf<x.Tensor<[2, 3], 'f32'>>();
});

test('named dims must agree by name', () => {
  expectTypeOf(x.matmul(nk, kc)).toEqualTypeOf<x.Tensor<['N', 'C'], 'f32'>>();
  expectTypeOf(x.add(nk, nk)).toEqualTypeOf<x.Tensor<['N', 'K'], 'f32'>>();
  // @ts-expect-error: 'N' and 'M' are different named dims.
  x.add(nk, mk);
  // @ts-expect-error: the inner dims 'N' and 'K' differ.
  x.matmul(nk, mk);
});

test('mismatched literal shapes fail to compile', () => {
  // @ts-expect-error: matmul inner dims 3 and 4 differ.
  x.matmul(a23, c45);
  // @ts-expect-error: [2, 3] and [3, 4] do not broadcast.
  x.add(a23, b34);
  // @ts-expect-error: dims 3 and 4 do not broadcast.
  x.mul(v3, x.zeros([4]));
  // @ts-expect-error: f32 and f64 do not mix without a cast.
  x.add(a23, d23);
  // @ts-expect-error: the reduced axis is out of range.
  x.sum(a23, { axis: 2 }).shape satisfies readonly number[];
});

test('plain number dims defer to the runtime check', () => {
  expectTypeOf(x.add(dyn, a23)).toEqualTypeOf<x.Tensor<x.ShapeT, 'f32'>>();
  expectTypeOf(x.matmul(dyn, b34)).toEqualTypeOf<x.Tensor<x.ShapeT, 'f32'>>();
  const f = (z: x.Tensor): x.Tensor => x.sum(x.exp(z));
  expectTypeOf(x.grad(f)).toEqualTypeOf<(z: x.Tensor) => x.Tensor>();
});

declare const logits32x10: x.Tensor<[32, 10], 'f32'>;
declare const labels32: x.Tensor<[32], 'i32'>;
declare const labels16: x.Tensor<[16], 'i32'>;
declare const labelsCol: x.Tensor<[32, 1], 'i32'>;
declare const namedLogits: x.Tensor<['B', 'K'], 'f64'>;
declare const namedLabels: x.Tensor<['B'], 'i32'>;

test('loss signatures: labels must be the logits without the class axis; reduction picks the result shape', () => {
  expectTypeOf(x.losses.crossEntropy(logits32x10, labels32)).toEqualTypeOf<x.Tensor<[], 'f32'>>();
  expectTypeOf(x.losses.crossEntropy(logits32x10, labels32, { reduction: 'none' })).toEqualTypeOf<
    x.Tensor<[32], 'f32'>
  >();
  expectTypeOf(x.losses.focalLoss(namedLogits, namedLabels, { reduction: 'none' })).toEqualTypeOf<
    x.Tensor<['B'], 'f64'>
  >();
  // @ts-expect-error labels for 16 samples against logits for 32
  x.losses.crossEntropy(logits32x10, labels16);
  // @ts-expect-error labels [32, 1] are not broadcast against logits [32, 10]
  x.losses.maeLoss(logits32x10, labelsCol);
  // @ts-expect-error soft targets must have the logits' shape
  x.losses.softTargetCrossEntropy(logits32x10, a23);
  // @ts-expect-error the teacher's logits must match the student's
  x.losses.distillationLoss(logits32x10, a23);
  expectTypeOf(x.entropy.shannon(logits32x10)).toEqualTypeOf<x.Tensor<[32], 'f32'>>();
});

interface Params {
  w: x.Tensor<[2, 3], 'f32'>;
  b: x.Tensor<[3], 'f32'>;
}
declare const params: Params;
declare const z2: x.Tensor<[4, 2], 'f32'>;
const mlp = (p: Params, input: x.Tensor<[4, 2], 'f32'>): x.Tensor<[], 'f32'> => x.sum(x.add(x.matmul(input, p.w), p.b));

test('gradients over pytrees have the argument types; argnums lists give tuples', () => {
  expectTypeOf(x.grad(mlp)).toEqualTypeOf<(p: Params, input: x.Tensor<[4, 2], 'f32'>) => Params>();
  expectTypeOf(x.grad(mlp, { argnums: 1 })(params, z2)).toEqualTypeOf<x.Tensor<[4, 2], 'f32'>>();
  expectTypeOf(x.grad(mlp, { argnums: [0, 1] })(params, z2)).toEqualTypeOf<[Params, x.Tensor<[4, 2], 'f32'>]>();
  expectTypeOf(x.valueAndGrad(mlp)(params, z2)).toEqualTypeOf<[x.Tensor<[], 'f32'>, Params]>();
  const positions: number[] = [0, 1];
  expectTypeOf(x.grad(loss2, { argnums: positions })(a23, a23)).toEqualTypeOf<x.Tensor<[2, 3], 'f32'>[]>();
  // argnums is not inferred from an expected result type
  const expected: (a: x.Tensor, b: x.Tensor) => x.Tensor = x.grad((a: x.Tensor, b: x.Tensor) => x.sum(x.mul(a, b)));
  expectTypeOf(expected).returns.toEqualTypeOf<x.Tensor>();
  // @ts-expect-error: a gradient is taken of a function returning a Tensor (or [value, aux] with hasAux)
  x.grad((p: Params) => [x.sum(p.b), p.w] as const);
});

declare function loss2(a: x.Tensor<[2, 3], 'f32'>, b: x.Tensor<[2, 3], 'f32'>): x.Tensor<[], 'f32'>;

test('hasAux: grad returns [grads, aux], valueAndGrad [[value, aux], grads]', () => {
  const g = x.grad((p: Params) => [x.sum(p.b), { hidden: p.w, step: 3 }], { hasAux: true });
  expectTypeOf(g(params)).toEqualTypeOf<[Params, { hidden: x.Tensor<[2, 3], 'f32'>; step: number }]>();
  const vg = x.valueAndGrad((p: Params) => [x.sum(p.b), p.w], { hasAux: true, argnums: [0] });
  expectTypeOf(vg(params)).toEqualTypeOf<[[x.Tensor<[], 'f32'>, x.Tensor<[2, 3], 'f32'>], [Params]]>();
});

test('vjp, jvp and hvp keep the structures of primals and outputs', () => {
  const f = (p: Params): { out: x.Tensor<[3], 'f32'>; scale: number } => ({ out: x.exp(p.b), scale: 2 });
  const [out, pullback] = x.vjp(f, params);
  expectTypeOf(out).toEqualTypeOf<{ out: x.Tensor<[3], 'f32'>; scale: number }>();
  expectTypeOf(pullback).parameter(0).toEqualTypeOf<{ out: x.Tensor; scale: number }>();
  expectTypeOf(pullback).returns.toEqualTypeOf<[p: Params]>();
  expectTypeOf(x.jvp(f, [params], [params])).toEqualTypeOf<[ReturnType<typeof f>, ReturnType<typeof f>]>();
  expectTypeOf(x.hvp((p: Params) => x.sum(p.w))).toEqualTypeOf<
    (x: Params, v: { w: x.Tensor; b: x.Tensor }) => Params
  >();
});

test('x.tree maps tensor leaves and keeps the structure', () => {
  const tree = { layers: [params, z2] as const, lr: 0.1, name: 'mlp' };
  expectTypeOf(x.tree.map(tree, (t) => t.size)).toEqualTypeOf<{
    layers: readonly [{ w: number; b: number }, number];
    lr: number;
    name: string;
  }>();
  expectTypeOf(x.tree.leaves(params)).toEqualTypeOf<(x.Tensor<[2, 3], 'f32'> | x.Tensor<[3], 'f32'>)[]>();
  expectTypeOf(x.tree.map2(params, params, (a, b) => x.add(a, b))).toEqualTypeOf<{
    w: x.Tensor<x.ShapeT, 'f32'>;
    b: x.Tensor<x.ShapeT, 'f32'>;
  }>();
  const [leaves, def] = x.tree.flatten(params);
  expectTypeOf(x.tree.unflatten(def, leaves)).toEqualTypeOf<{
    w: x.Tensor<[2, 3], 'f32'> | x.Tensor<[3], 'f32'>;
    b: x.Tensor<[2, 3], 'f32'> | x.Tensor<[3], 'f32'>;
  }>();
  // @ts-expect-error: the second tree must have the first one's structure
  x.tree.map2(params, { w: a23 }, (a, b) => x.add(a, b));
});
