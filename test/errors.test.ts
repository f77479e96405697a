/** @file Bad input: every case raises an XentError subclass whose message names the function, the argument, the expectation and what came. */
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { caught as caughtError } from './support/caught.js';

const f64 = (values: number[][] | number[]): x.Tensor => x.tensor(values, { dtype: 'f64' });

/** Forgets a tensor's literal shape, so that the mismatch is caught at run time (not by tsc). */
const dynamic = (t: x.Tensor): x.Tensor => t;

/** Runs `f` and returns the XentError it throws (failing if it throws anything else, or nothing). */
const caught = (f: () => unknown): x.XentError => caughtError(f, x.XentError);

describe('shapes', () => {
  test('elementwise operands that do not broadcast', () => {
    const e = caught(() => x.add(f64([[1, 2, 3]]), f64([[1, 2]])));
    expect(e).toBeInstanceOf(x.ShapeError);
    expect(e.message).toBe(
      "xent.add: argument 'b' expected a shape broadcast-compatible with [1, 3] (dim -1 is 3), got [1, 2]",
    );
  });

  test('matmul inner dimensions', () => {
    const e = caught(() =>
      x.matmul(dynamic(x.zeros([2, 3], { dtype: 'f64' })), dynamic(x.zeros([4, 5], { dtype: 'f64' }))),
    );
    expect(e).toBeInstanceOf(x.ShapeError);
    expect(e.message).toBe(
      "xent.matmul: argument 'b' expected inner dim 3 (the last dim of a [2, 3]), got [4, 5] with inner dim 4",
    );
  });

  test('reshape to a different number of elements', () => {
    const e = caught(() => x.reshape(x.zeros([2, 3]), [4, 2]));
    expect(e).toBeInstanceOf(x.ShapeError);
    expect(e.message).toContain("xent.reshape: argument 'shape' expected a shape with 6 elements");
    expect(e.message).toContain('got [4, 2] (8 elements)');
  });

  test('ragged nested arrays', () => {
    const e = caught(() => x.tensor([[1, 2], [3]]));
    expect(e).toBeInstanceOf(x.ShapeError);
    expect(e.message).toBe(
      "xent.tensor: argument 'data' expected a rectangular array of shape [2, 2], got length 1 at [1] (ragged)",
    );
  });

  test('typed array length and shape disagree', () => {
    const e = caught(() => x.tensor(new Float32Array(5), { shape: [2, 3] }));
    expect(e.message).toBe(
      "xent.tensor: argument 'shape' expected a shape with 5 elements (the array's length), got [2, 3] (6 elements)",
    );
  });

  test('gather indices whose off-axis dims differ from x', () => {
    const e = caught(() => x.gather(x.zeros([2, 3]), x.zeros([3, 1], { dtype: 'i32' }), { axis: 1 }));
    expect(e).toBeInstanceOf(x.ShapeError);
    expect(e.message).toBe(
      "xent.gather: argument 'indices' expected rank 2 with the dims of x [2, 3] off axis 1, got [3, 1]",
    );
  });

  test('slice bounds outside the axis are an error, not clipped', () => {
    const e = caught(() => x.slice(x.zeros([4]), [1], [9]));
    expect(e).toBeInstanceOf(x.ValueError);
    expect(e.message).toBe("xent.slice: argument 'end' expected integers in [-4, 4] on axis 0, got 9");
  });
});

describe('axes', () => {
  test('an axis out of range', () => {
    const e = caught(() => x.sum(dynamic(x.zeros([2, 3])), { axis: 2 }));
    expect(e).toBeInstanceOf(x.AxisError);
    expect(e.message).toBe("xent.sum: argument 'axis' expected an integer axis in [-2, 1], got 2");
  });

  test('a repeated axis', () => {
    const e = caught(() => x.logsumexp(x.zeros([2, 3]), { axis: [1, -1] }));
    expect(e.message).toBe("xent.logsumexp: argument 'axis' expected distinct axes, got [1, -1] (axis -1 repeated)");
  });

  test('an axis of a scalar', () => {
    const e = caught(() => x.softmax(x.tensor(1)));
    expect(e).toBeInstanceOf(x.AxisError);
    expect(e.message).toBe("xent.softmax: argument 'axis' expected no axis (the tensor is a scalar), got -1");
  });
});

describe('dtypes', () => {
  test('mixing f32 and f64 needs an explicit cast', () => {
    const e = caught(() => x.mul(dynamic(x.zeros([2])), dynamic(x.zeros([2], { dtype: 'f64' }))));
    expect(e).toBeInstanceOf(x.DTypeError);
    expect(e.message).toBe("xent.mul: argument 'b' expected dtype f32 (mixing dtypes needs an explicit cast), got f64");
    expect(x.mul(x.zeros([2]), x.cast(x.zeros([2], { dtype: 'f64' }), 'f32')).dtype).toBe('f32');
  });

  test('float-only ops on integers', () => {
    const e = caught(() => x.log(x.arange(3)));
    expect(e).toBeInstanceOf(x.DTypeError);
    expect(e.message).toBe("xent.log: argument 'x' expected a floating-point (f32 or f64) Tensor, got dtype i32");
  });

  test('gather with float indices', () => {
    const e = caught(() => x.gather(x.zeros([2, 3]), x.zeros([2, 1]), { axis: 1 }));
    expect(e).toBeInstanceOf(x.DTypeError);
    expect(e.message).toBe("xent.gather: argument 'indices' expected an i32 Tensor, got dtype f32");
  });

  test('non-integer values for an i32 tensor', () => {
    const e = caught(() => x.tensor([0, 1.5], { dtype: 'i32' }));
    expect(e).toBeInstanceOf(x.ValueError);
    expect(e.message).toBe(
      "xent.tensor: argument 'data' expected integers in the i32 range, got 1.5 at flat index 1 of [2]",
    );
  });

  test('NaN class indices', () => {
    const e = caught(() => x.tensor([NaN], { dtype: 'i32' }));
    expect(e.message).toBe(
      "xent.tensor: argument 'data' expected integers in the i32 range, got NaN at flat index 0 of [1]",
    );
  });

  test('a literal the tensor dtype cannot hold', () => {
    const e = caught(() => x.add(x.arange(3), 0.5));
    expect(e.message).toBe("xent.add: argument 'b' expected integers in the i32 range, got 0.5");
  });

  test('values that overflow f32', () => {
    const e = caught(() => x.tensor([1e39]));
    expect(e.message).toBe(
      "xent.tensor: argument 'data' expected values within the f32 range (about ±3.4e38), got 1e+39 at flat index 0 of [1]",
    );
  });
});

describe('indices', () => {
  test('gather index out of range', () => {
    const e = caught(() => x.gather(x.zeros([2, 3]), x.tensor([[0], [3]], { dtype: 'i32' }), { axis: 1 }));
    expect(e).toBeInstanceOf(x.IndexError);
    expect(e.message).toBe("xent.gather: argument 'indices' expected values in [0, 3), got 3");
    const reference = caught(() =>
      x.jit((z: x.Tensor, i: x.Tensor) => x.gather(z, i, { axis: 1 }), { backend: 'reference' })(
        x.zeros([2, 3]),
        x.tensor([[0], [3]], { dtype: 'i32' }),
      ),
    );
    expect(reference.message).toBe(e.message);
  });

  test('negative gather index under jit', () => {
    const f = x.jit((z: x.Tensor, i: x.Tensor) => x.gather(z, i, { axis: 0 }));
    const e = caught(() => f(x.zeros([3]), x.tensor([-1], { dtype: 'i32' })));
    expect(e.message).toBe("xent.gather: argument 'indices' expected values in [0, 3), got -1");
  });

  test('oneHot index out of range', () => {
    const e = caught(() => x.oneHot(x.tensor([1, 5], { dtype: 'i32' }), 4));
    expect(e).toBeInstanceOf(x.IndexError);
    expect(e.message).toBe(
      "xent.oneHot: argument 'indices' expected class indices in [0, 4), got 5 at flat index 1 of [2]",
    );
  });
});

describe('differentiation', () => {
  test('grad of a non-scalar output without a cotangent', () => {
    const e = caught(() => x.grad((t: x.Tensor) => x.exp(t))(f64([1, 2])));
    expect(e).toBeInstanceOf(x.GradError);
    expect(e.message).toBe(
      "xent.grad: argument 'f' expected a scalar output (shape []); for other outputs use vjp with a cotangent, or reduce first (e.g. x.sum), got output f64[2]",
    );
  });

  test('grad with respect to an integer tensor', () => {
    const e = caught(() => x.grad((t: x.Tensor) => x.sum(x.cast(t, 'f32')))(x.arange(3)));
    expect(e).toBeInstanceOf(x.GradError);
    expect(e.message).toBe(
      "xent.grad: argument 'args[0]' expected a floating-point tensor (gradients are defined for f32 and f64), got dtype i32",
    );
  });

  test('argnums out of range', () => {
    const e = caught(() => x.grad((t: x.Tensor) => x.sum(t), { argnums: 1 })(f64([1])));
    expect(e.message).toBe("xent.grad: argument 'argnums' expected argument positions in [0, 1), got 1");
  });

  test('a cotangent of the wrong shape', () => {
    const [, pullback] = x.vjp((t: x.Tensor) => x.exp(t), f64([1, 2]));
    const e = caught(() => pullback(f64([1, 2, 3])));
    expect(e.message).toBe("xent.vjp.pullback: argument 'cotangent' expected f64[2], got f64[3]");
  });

  test('a tangent of the wrong dtype', () => {
    const e = caught(() => x.jvp((t: x.Tensor) => x.exp(t), [f64([1, 2])], [x.tensor([1, 2])]));
    expect(e.message).toBe("xent.jvp: argument 'tangents[0]' expected f64[2], got f32[2]");
  });

  test('reading values of a traced tensor', () => {
    const readsValues = (t: x.Tensor): x.Tensor => {
      t.toArray();
      return x.sum(t);
    };
    const e = caught(() => x.grad(readsValues)(f64([1])));
    expect(e).toBeInstanceOf(x.TraceError);
    expect(e.message).toBe(
      'xent.toArray: cannot read the values of a traced tensor (f64[1]) inside grad/jit/vjp; return it from the function instead',
    );
  });

  test('a function that returns something other than tensors', () => {
    const e = caught(() => x.jit(() => 3 as unknown as x.Tensor)());
    expect(e.message).toBe(
      "xent.jit: argument 'f (its return value)' expected a Tensor or a pytree of Tensors (nested arrays and plain objects), got number 3",
    );
  });
});

describe('options', () => {
  test('temperature must be positive', () => {
    const e = caught(() => x.softmax(x.zeros([3]), { temperature: 0 }));
    expect(e).toBeInstanceOf(x.ValueError);
    expect(e.message).toBe("xent.softmax: argument 'temperature' expected a finite number > 0, got 0");
  });

  test('an unknown dtype', () => {
    const e = caught(() => x.zeros([2], { dtype: 'f16' as x.DType }));
    expect(e.message).toBe(
      "xent.zeros: argument 'dtype' expected one of 'f32', 'f64', 'i32', 'bool', got string 'f16'",
    );
  });

  test('a non-tensor argument', () => {
    const e = caught(() => x.exp([1, 2] as unknown as x.Tensor));
    expect(e.message).toBe(
      "xent.exp: argument 'x' expected a floating-point (f32 or f64) Tensor, got an array [1, 2] (wrap it with x.tensor)",
    );
  });
});
