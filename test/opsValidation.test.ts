/**
 * @file Argument checks of the core tensor ops (creation, elementwise, movement, reductions, linear algebra):
 * each reported bad call is an XentError naming the function the user called and the argument at fault.
 */
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { caught as caughtError } from './support/caught.js';

/** The XentError `f` throws (failing if it throws anything else, or nothing). */
const caught = (f: () => unknown): x.XentError => caughtError(f, x.XentError);

/** Calls `f` with arguments its TypeScript signature forbids (what a JavaScript caller can pass). */
const untyped = (f: unknown): ((...args: unknown[]) => unknown) => f as (...args: unknown[]) => unknown;

describe('options objects', () => {
  test('a misspelt option key is rejected with a suggestion', () => {
    const e = caught(() => untyped(x.sum)(x.ones([2, 3]), { axes: 0 }));
    expect(e).toBeInstanceOf(x.ValueError);
    expect(e.message).toMatch(
      /^xent\.sum: argument 'options' expected .*, got unknown key 'axes' \(did you mean 'axis'\?\)$/,
    );
  });
});

describe('tensor: the data argument', () => {
  test('a hole is rejected with its index (it used to make a tensor with a missing value)', () => {
    /* eslint-disable no-sparse-arrays -- holes are the point */
    const flat = [1, , 3];
    const inner = [
      [1, 2],
      [3, ,],
    ];
    const outer = [[1, 2], , [5, 6]];
    /* eslint-enable no-sparse-arrays */
    const e = caught(() => untyped(x.tensor)(flat));
    expect(e).toBeInstanceOf(x.ValueError);
    expect(e.message).toBe(
      "xent.tensor: argument 'data' expected nested arrays of numbers or booleans, got a hole (an empty slot) at [1]",
    );
    expect(caught(() => untyped(x.tensor)(inner)).message).toContain('got a hole (an empty slot) at [1, 1]');
    expect(caught(() => untyped(x.tensor)(outer)).message).toContain('got a hole (an empty slot) at [1]');
  });

  test('ragged nested arrays are a ShapeError at the first row that differs', () => {
    const e = caught(() => x.tensor([[1, 2], [3]] as unknown as number[][]));
    expect(e).toBeInstanceOf(x.ShapeError);
    expect(e.message).toContain("xent.tensor: argument 'data' expected a rectangular array of shape [2, 2]");
    expect(caught(() => x.tensor([1, [2]] as unknown as number[])).message).toContain('at [1] (ragged)');
    expect(caught(() => x.tensor([[1], 2] as unknown as number[][])).message).toContain('number 2 at [1] (ragged)');
  });

  test('elements that are not numbers or booleans are named with their index', () => {
    const cases: readonly [unknown, string][] = [
      [[1, 'a'], "string 'a' at [1]"],
      [[[1, null]], 'null at [0, 1]'],
      [[undefined], 'undefined at [0]'],
      [[{}], 'an object {} at [0]'],
      [[1n], 'bigint 1 at [0]'],
    ];
    for (const [data, got] of cases) {
      const e = caught(() => untyped(x.tensor)(data));
      expect(e).toBeInstanceOf(x.ValueError);
      expect(e.message).toBe(`xent.tensor: argument 'data' expected nested arrays of numbers or booleans, got ${got}`);
    }
  });

  test('data that is not a number, a boolean, an array or a typed array is rejected', () => {
    for (const data of ['abc', null, undefined, {}, new Int16Array(2), () => 1, Symbol('s')]) {
      const e = caught(() => untyped(x.tensor)(data));
      expect(e).toBeInstanceOf(x.ValueError);
      expect(e.message).toMatch(/^xent\.tensor: argument 'data' expected a number, a boolean or nested arrays/);
    }
  });

  test('an array that contains itself is rejected (it used to loop forever)', () => {
    const a: unknown[] = [];
    a.push(a);
    expect(caught(() => untyped(x.tensor)(a)).message).toBe(
      "xent.tensor: argument 'data' expected nested arrays of numbers or booleans, got an array that contains itself",
    );
  });

  test('options: a dtype outside the four, a shape for nested arrays, unknown keys', () => {
    expect(caught(() => untyped(x.tensor)([1], { dtype: 'float32' })).message).toBe(
      "xent.tensor: argument 'dtype' expected one of 'f32', 'f64', 'i32', 'bool', got string 'float32'",
    );
    expect(caught(() => untyped(x.tensor)([1, 2], { shape: [2] })).message).toBe(
      "xent.tensor: argument 'shape' expected no shape (it is inferred from nested arrays), got [2]",
    );
    expect(caught(() => untyped(x.tensor)(new Float32Array(2), { shape: [-2] })).message).toMatch(
      /^xent\.tensor: argument 'shape' expected a shape/,
    );
    expect(caught(() => untyped(x.tensor)([1], { dtyp: 'f64' })).message).toContain("(did you mean 'dtype'?)");
  });

  test('valid data still makes the tensor it describes (NaN and infinities are values)', () => {
    expect(x.tensor([NaN, Infinity, -Infinity]).toArray()).toEqual([NaN, Infinity, -Infinity]);
    expect(x.tensor([[], []]).shape).toEqual([2, 0]);
    expect(x.tensor(new Uint8Array([1, 0])).toArray()).toEqual([true, false]);
  });
});

describe('full, zeros, ones, zerosLike, onesLike, arange, iota, item', () => {
  test("full rejects a fill value that is not a number or a boolean (full([2], 'a') made NaNs)", () => {
    const e = caught(() => untyped(x.full)([2], 'a'));
    expect(e).toBeInstanceOf(x.ValueError);
    expect(e.message).toBe(
      "xent.full: argument 'value' expected a number or a boolean (true or false), got string 'a'",
    );
    expect(caught(() => untyped(x.full)([2])).message).toMatch(/^xent\.full: argument 'value'/);
    expect(x.full([2], NaN).toArray()).toEqual([NaN, NaN]);
    expect(x.full([2], -Infinity).toArray()).toEqual([-Infinity, -Infinity]);
  });

  test('zeros and ones name themselves, not full', () => {
    expect(caught(() => x.zeros([-1])).message).toMatch(/^xent\.zeros: argument 'shape'/);
    expect(caught(() => untyped(x.ones)([2], { dtype: 'float32' })).message).toBe(
      "xent.ones: argument 'dtype' expected one of 'f32', 'f64', 'i32', 'bool', got string 'float32'",
    );
    expect(caught(() => untyped(x.zeros)([2], { dtype: 'f16' })).message).toMatch(/^xent\.zeros: argument 'dtype'/);
  });

  test('zerosLike, onesLike and item check their tensor', () => {
    for (const f of [x.zerosLike, x.onesLike, x.item] as const) {
      for (const bad of [undefined, null, [1, 2], 3, Object.create(null) as unknown]) {
        const e = caught(() => untyped(f)(bad));
        expect(e).toBeInstanceOf(x.ValueError);
        expect(e.message).toMatch(new RegExp(`^xent\\.${f.name}: argument 't' expected a Tensor, got`));
      }
    }
    expect(caught(() => x.item(x.ones([2]))).message).toBe(
      "xent.item: argument 't' expected a tensor with one element, got shape [2]",
    );
  });

  test('arange and iota take numeric dtypes only, and arange a count', () => {
    expect(caught(() => untyped(x.arange)(3, { dtype: 'bool' })).message).toBe(
      "xent.arange: argument 'dtype' expected one of 'f32', 'f64', 'i32', got string 'bool'",
    );
    expect(caught(() => x.arange(2.5)).message).toMatch(/^xent\.arange: argument 'n' expected an integer ≥ 0/);
    expect(caught(() => untyped(x.iota)([2, 3], 0, 'bool')).message).toMatch(/^xent\.iota: argument 'dtype'/);
    const e = caught(() => x.iota([2, 3], 2));
    expect(e).toBeInstanceOf(x.AxisError);
    expect(e.message).toBe("xent.iota: argument 'axis' expected an integer axis in [-2, 1], got 2");
    expect(x.iota([2, 3], -1).toArray()).toEqual([
      [0, 1, 2],
      [0, 1, 2],
    ]);
  });
});

describe('elementwise ops', () => {
  const f32 = x.tensor([1, 2, 3]);
  const f64 = x.tensor([1, 2, 3], { dtype: 'f64' });

  test("greater and greaterEqual name the user's 'a' and 'b' (they are less and lessEqual swapped)", () => {
    for (const f of [x.greater, x.greaterEqual] as const) {
      const mixed = caught(() => untyped(f)(f32, f64));
      expect(mixed).toBeInstanceOf(x.DTypeError);
      expect(mixed.message).toBe(
        `xent.${f.name}: argument 'b' expected dtype f32 (mixing dtypes needs an explicit cast), got f64`,
      );
      const shapes = caught(() => untyped(f)(f32, x.ones([2])));
      expect(shapes).toBeInstanceOf(x.ShapeError);
      expect(shapes.message).toMatch(
        new RegExp(`^xent\\.${f.name}: argument 'b' expected a shape broadcast-compatible with \\[3\\]`),
      );
      expect(caught(() => f(x.arange(3), 0.5)).message).toBe(
        `xent.${f.name}: argument 'b' expected integers in the i32 range, got 0.5`,
      );
      expect(caught(() => f(0.5, x.arange(3))).message).toBe(
        `xent.${f.name}: argument 'a' expected integers in the i32 range, got 0.5`,
      );
      expect(caught(() => untyped(f)(x.tensor([true]), f32)).message).toMatch(
        new RegExp(`^xent\\.${f.name}: argument 'a' expected a numeric`),
      );
    }
    expect(x.greater(f32, 2).toArray()).toEqual([false, false, true]);
    expect(x.greaterEqual(2, f32).toArray()).toEqual([true, true, false]);
  });

  test('an object that is not one of our tensors is an XentError naming the argument', () => {
    const fakes = [Object.create(null) as unknown, { node: {}, shape: [2], dtype: 'f32', rank: 1, size: 2 }];
    for (const fake of fakes) {
      expect(caught(() => untyped(x.exp)(fake)).message).toMatch(/^xent\.exp: argument 'x' expected/);
      expect(caught(() => untyped(x.add)(f32, fake)).message).toMatch(/^xent\.add: argument 'b' expected/);
      expect(caught(() => untyped(x.where)(fake, f32, f32)).message).toMatch(/^xent\.where: argument 'cond' expected/);
      expect(caught(() => untyped(x.matmul)(fake, f32)).message).toMatch(/^xent\.matmul: argument 'a' expected/);
      expect(caught(() => untyped(x.reshape)(fake, [2])).message).toMatch(/^xent\.reshape: argument 'x' expected/);
    }
  });

  test('dtype classes are checked before the primitive: float-only ops, numeric ops, cast targets', () => {
    const e = caught(() => x.log(x.arange(3)));
    expect(e).toBeInstanceOf(x.DTypeError);
    expect(e.message).toBe("xent.log: argument 'x' expected a floating-point (f32 or f64) Tensor, got dtype i32");
    expect(caught(() => untyped(x.neg)(x.tensor([true]))).message).toMatch(
      /^xent\.neg: argument 'x' expected a numeric/,
    );
    expect(caught(() => untyped(x.div)(x.arange(2), x.arange(2))).message).toMatch(/^xent\.div: argument 'a'/);
    expect(caught(() => untyped(x.cast)(f32, 'float32')).message).toBe(
      "xent.cast: argument 'dtype' expected one of 'f32', 'f64', 'i32', 'bool', got string 'float32'",
    );
    expect(caught(() => untyped(x.where)(f32, f32, f32)).message).toMatch(
      /^xent\.where: argument 'cond' expected a bool Tensor, a number or a boolean, got/,
    );
    expect(caught(() => untyped(x.where)(x.tensor([true]), f32, f64)).message).toBe(
      "xent.where: argument 'b' expected dtype f32 (mixing dtypes needs an explicit cast), got f64",
    );
  });

  test('extra arguments are rejected', () => {
    expect(caught(() => untyped(x.exp)(f32, 1)).message).toMatch(
      /^xent\.exp: argument 'arguments\[1\]' expected at most 1/,
    );
  });
});

describe('reductions', () => {
  test('argmax takes one axis', () => {
    const e = caught(() => untyped(x.argmax)(x.ones([2, 3]), { axis: [0, 1] }));
    expect(e).toBeInstanceOf(x.ValueError);
    expect(e.message).toBe("xent.argmax: argument 'axis' expected an integer axis, got an array [0, 1]");
  });

  test('argmax of a bool tensor is a DTypeError (it was an internal error)', () => {
    const e = caught(() => untyped(x.argmax)(x.tensor([true, false])));
    expect(e).toBeInstanceOf(x.DTypeError);
    expect(e.message).toBe("xent.argmax: argument 'x' expected a numeric (f32, f64 or i32) Tensor, got dtype bool");
  });
});

describe('movement ops', () => {
  const t = x.tensor([
    [1, 2],
    [3, 4],
  ]);

  test('pad takes [before, after] pairs, named as pads[i] (pad(t, [1, 2]) padded nothing)', () => {
    const e = caught(() => untyped(x.pad)(t, [1, 2]));
    expect(e).toBeInstanceOf(x.ValueError);
    expect(e.message).toBe(
      "xent.pad: argument 'pads[0]' expected a [before, after] pair of non-negative integers, got number 1",
    );
    expect(caught(() => untyped(x.pad)(t, [[1, -1]])).message).toMatch(/^xent\.pad: argument 'pads\[0\]'/);
    expect(caught(() => untyped(x.pad)(t, [[1, 1], [0]])).message).toMatch(/^xent\.pad: argument 'pads\[1\]'/);
    expect(caught(() => untyped(x.pad)(t, 1)).message).toMatch(/^xent\.pad: argument 'pads' expected an array/);
    const many = caught(() =>
      x.pad(t, [
        [0, 0],
        [0, 0],
        [0, 0],
      ]),
    );
    expect(many).toBeInstanceOf(x.ShapeError);
    expect(many.message).toBe(
      "xent.pad: argument 'pads' expected at most 2 [before, after] pairs (x [2, 2]), got 3 pairs",
    );
    expect(x.pad(x.tensor([1, 2]), [[1, 2]]).toArray()).toEqual([0, 1, 2, 0, 0]);
  });

  test('transpose checks perm; squeeze, flip and expandDims check their axes', () => {
    expect(caught(() => untyped(x.transpose)(t, 'abc')).message).toBe(
      "xent.transpose: argument 'perm' expected an array of integers, got string 'abc'",
    );
    expect(caught(() => x.transpose(t, [0, 0])).message).toMatch(
      /^xent\.transpose: argument 'perm' expected a permutation/,
    );
    expect(caught(() => untyped(x.squeeze)(t, null)).message).toBe(
      "xent.squeeze: argument 'axes' expected an integer axis or an array of them, got null",
    );
    expect(caught(() => untyped(x.flip)(t, '0')).message).toMatch(/^xent\.flip: argument 'axes'/);
    expect(caught(() => untyped(x.expandDims)(t, 0.5)).message).toMatch(/^xent\.expandDims: argument 'axis'/);
    expect(caught(() => untyped(x.moveAxis)(t, 0, [1])).message).toMatch(/^xent\.moveAxis: argument 'destination'/);
    expect(x.transpose(t, [-1, 0]).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
  });

  test('reshape and broadcastTo check the shape (holes, -1 only for reshape)', () => {
    // eslint-disable-next-line no-sparse-arrays -- a hole is the point
    const holed = [1, , 4];
    expect(caught(() => untyped(x.reshape)(t, holed)).message).toMatch(/^xent\.reshape: argument 'shape'/);
    expect(caught(() => x.reshape(t, [-1, -1])).message).toMatch(/^xent\.reshape: argument 'shape'/);
    expect(x.reshape(t, [-1]).shape).toEqual([4]);
    expect(caught(() => x.broadcastTo(t, [-1, 2])).message).toMatch(/^xent\.broadcastTo: argument 'shape'/);
  });

  test('slice checks its bounds arrays', () => {
    expect(caught(() => untyped(x.slice)(t, 'a')).message).toBe(
      "xent.slice: argument 'start' expected an array of integers or nulls, got string 'a'",
    );
    expect(caught(() => untyped(x.slice)(t, [0.5])).message).toMatch(/^xent\.slice: argument 'start\[0\]'/);
    expect(caught(() => untyped(x.slice)(t, [0], [undefined])).message).toMatch(/^xent\.slice: argument 'end\[0\]'/);
    expect(x.slice(t, [null, 1]).toArray()).toEqual([[2], [4]]);
  });

  test('concat and stack check the list and name themselves', () => {
    expect(caught(() => x.concat([])).message).toMatch(
      /^xent\.concat: argument 'tensors' expected an array of at least 1/,
    );
    expect(caught(() => untyped(x.stack)([t, [1]])).message).toMatch(/^xent\.stack: argument 'tensors\[1\]'/);
    const e = caught(() => untyped(x.stack)([t, x.cast(t, 'f64')]));
    expect(e).toBeInstanceOf(x.DTypeError);
    expect(e.message).toBe("xent.stack: argument 'tensors[1]' expected dtype f32, got f64");
  });

  test('take names itself for bad indices (it reported gather)', () => {
    const e = caught(() => x.take(t, x.tensor([0, 2], { dtype: 'i32' })));
    expect(e).toBeInstanceOf(x.IndexError);
    expect(e.message).toBe("xent.take: argument 'indices' expected values in [0, 2), got 2");
    expect(caught(() => x.take(t, x.tensor([0, 1]))).message).toBe(
      "xent.take: argument 'indices' expected an i32 Tensor of rank 1, got dtype f32",
    );
    expect(caught(() => x.take(t, x.zeros([1, 1], { dtype: 'i32' }))).message).toMatch(
      /^xent\.take: argument 'indices' expected an i32 Tensor of rank 1, got shape \[1, 1\]/,
    );
    expect(x.take(t, x.tensor([1, 1, 0], { dtype: 'i32' }), { axis: 1 }).toArray()).toEqual([
      [2, 2, 1],
      [4, 4, 3],
    ]);
  });

  test('cumsum and gather check their options', () => {
    expect(caught(() => untyped(x.cumsum)(t, { exclusive: 1 })).message).toMatch(/^xent\.cumsum: argument 'exclusive'/);
    expect(caught(() => untyped(x.gather)(t, x.zeros([2, 1], { dtype: 'i32' }), { axis: '1' })).message).toMatch(
      /^xent\.gather: argument 'axis'/,
    );
  });
});

describe('linear algebra', () => {
  test('matmul and eigh check ranks and dtypes up front', () => {
    expect(caught(() => untyped(x.matmul)(x.tensor(2), x.ones([2]))).message).toBe(
      "xent.matmul: argument 'a' expected a numeric (f32, f64 or i32) Tensor of rank ≥ 1, got shape []",
    );
    expect(caught(() => untyped(x.matmul)(x.ones([2]), x.ones([2], { dtype: 'f64' }))).message).toBe(
      "xent.matmul: argument 'b' expected dtype f32 (mixing dtypes needs an explicit cast), got f64",
    );
    expect(caught(() => x.eigh(x.ones([3]))).message).toMatch(/^xent\.eigh: argument 'a' expected a floating-point/);
    expect(caught(() => x.eigvalsh(x.ones([2, 3]))).message).toBe(
      "xent.eigvalsh: argument 'a' expected square matrices [..., n, n], got [2, 3]",
    );
  });
});
