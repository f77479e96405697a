/** @file Pytrees through the transforms: jit cache keys that are never wrong, the bounded cache and its retrace warning, tree gradients, hasAux, and x.tree. */
import fc from 'fast-check';
import { afterEach, describe, expect, test, vi } from 'vitest';
import * as x from 'xent';
import { directionArb, valuesArb } from './support/arbitraries.js';
import { caught } from './support/caught.js';
import { dot, expectAllClose, toNumbers } from './support/numeric.js';

const f64 = (values: readonly number[], shape: readonly number[] = [values.length]): x.Tensor =>
  x.tensor(Float64Array.from(values), { shape, dtype: 'f64' });

/** Tensors of a few small shapes, f64 values in [-1, 1]. */
const tensorArb: fc.Arbitrary<x.Tensor> = fc
  .constantFrom<number[]>([], [2], [3], [2, 2])
  .chain((shape) => valuesArb(shape, 'unit').map((v) => f64(v, shape)));

/** Random pytrees: arrays and plain objects (keys in random order) of tensors, with some static leaves. */
const treeArb: fc.Arbitrary<unknown> = fc
  .letrec<{ tree: unknown; array: unknown[]; object: Record<string, unknown> }>((tie) => ({
    tree: fc.oneof(
      { maxDepth: 3, depthIdentifier: 'tree' },
      { arbitrary: tensorArb, weight: 3 },
      { arbitrary: fc.constantFrom<unknown>(0.5, 'relu', null, undefined, true), weight: 1 },
      { arbitrary: tie('array'), weight: 2 },
      { arbitrary: tie('object'), weight: 2 },
    ),
    array: fc.array(tie('tree'), { maxLength: 3, depthIdentifier: 'tree' }),
    object: fc
      .uniqueArray(fc.tuple(fc.constantFrom('w', 'b', 'layer 1', 'scale'), tie('tree')), {
        maxLength: 3,
        selector: ([k]) => k,
        depthIdentifier: 'tree',
      })
      .map((entries) => Object.fromEntries(entries)),
  }))
  .tree.filter((t) => x.tree.leaves(t).length > 0);

/** A smooth loss of a list of tensors with cross terms: Σₖ (k+1)·Σ sin(lₖ)·(lₖ + Σ l₀). */
const lossOf = (ls: readonly x.Tensor[]): x.Tensor => {
  const first = x.sum(ls[0] as x.Tensor);
  return ls.reduce<x.Tensor>(
    (acc, l, k) => x.add(acc, x.mul(k + 1, x.sum(x.mul(x.sin(l), x.add(l, first))))),
    x.tensor(0, { dtype: 'f64' }),
  );
};

const t2 = f64([1, 2]);
const z = f64([2, 0, -1, 0, 1, 3], [2, 3]);
const y = x.tensor([0, 2], { dtype: 'i32' });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('jit cache keys', () => {
  test('functions are static arguments compared by identity', () => {
    let traces = 0;
    const evalLoss = x.jit((zz: x.Tensor, yy: x.Tensor, loss: (a: x.Tensor, b: x.Tensor) => x.Tensor) => {
      traces++;
      return loss(zz, yy);
    });
    for (const loss of [x.losses.crossEntropy, x.losses.maeLoss, x.losses.crossEntropy]) {
      expect(x.item(evalLoss(z, y, loss))).toBe(x.item(loss(z, y)));
    }
    expect(traces).toBe(2);
    expect(evalLoss.cacheSize).toBe(2);
  }, 120_000);

  test('an options object holding a function keys on that function', () => {
    const f = x.jit((t: x.Tensor, o: { readonly act: (u: x.Tensor) => x.Tensor; readonly k: number }) =>
      x.sum(x.mul(o.act(t), o.k)),
    );
    expect(x.item(f(z, { act: x.exp, k: 2 }))).toBe(x.item(x.sum(x.mul(x.exp(z), 2))));
    expect(x.item(f(z, { act: x.sin, k: 2 }))).toBe(x.item(x.sum(x.mul(x.sin(z), 2))));
    expect(x.item(f(z, { act: x.exp, k: 2 }))).toBe(x.item(x.sum(x.mul(x.exp(z), 2))));
    expect(f.cacheSize).toBe(2);
  }, 120_000);

  test('numbers are compared with Object.is: NaN, ±Infinity and −0 each get their own trace', () => {
    const h = x.jit((u: x.Tensor, s: number) => x.mul(u, s));
    const specials = [NaN, Infinity, -Infinity, 0, -0, NaN, 0];
    for (const s of specials) {
      const got = toNumbers(h(t2, s));
      [1 * s, 2 * s].forEach((want, i) => {
        expect(Object.is(got[i], want)).toBe(true);
      });
    }
    expect(h.cacheSize).toBe(5);
  }, 120_000);

  test('two numbers share a trace exactly when Object.is holds, and each call is right', () => {
    const special = fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1, 0.1, 0.1 + 0.2);
    fc.assert(
      fc.property(fc.oneof(special, fc.double()), fc.oneof(special, fc.double()), (a, b) => {
        const h = x.jit((u: x.Tensor, s: number) => x.mul(u, s));
        const ga = toNumbers(h(t2, a));
        const gb = toNumbers(h(t2, b));
        expect(Object.is(ga[1], 2 * a) && Object.is(gb[1], 2 * b)).toBe(true);
        expect(h.cacheSize).toBe(Object.is(a, b) ? 1 : 2);
      }),
    );
  }, 120_000);

  test('strings, booleans, null and undefined are keyed exactly', () => {
    let traces = 0;
    const f = x.jit((t: x.Tensor, tag: unknown) => {
      traces++;
      return tag === 'double' || tag === true ? x.mul(t, 2) : t;
    });
    for (const tag of ['double', 'single', true, false, null, undefined, 1, '1', 'double', true]) {
      expect(toNumbers(f(t2, tag))).toEqual(tag === 'double' || tag === true ? [2, 4] : [1, 2]);
    }
    expect(traces).toBe(8);
  }, 120_000);

  test('class instances and typed arrays are static leaves compared by identity', () => {
    const f = x.jit((t: x.Tensor, w: Float64Array) => x.mul(t, f64(Array.from(w))));
    const w1 = Float64Array.of(3, 4);
    const w2 = Float64Array.of(3, 4);
    expect(toNumbers(f(t2, w1))).toEqual([3, 8]);
    expect(toNumbers(f(t2, w1))).toEqual([3, 8]);
    expect(toNumbers(f(t2, w2))).toEqual([3, 8]);
    expect(f.cacheSize).toBe(2);
  }, 120_000);

  test('tensors inside objects and arrays are dynamic inputs: new values reuse the trace', () => {
    let traces = 0;
    const step = x.jit((params: { w: x.Tensor; layers: x.Tensor[] }, lr: number) => {
      traces++;
      return x.tree.map(params, (p) => x.sub(p, x.mul(lr, p)));
    });
    for (let i = 0; i < 4; i++) {
      const params = { w: f64([i, i + 1]), layers: [f64([2 * i]), f64([i + 1, -i - 1, 1], [3, 1])] };
      const next = step(params, 0.5);
      expect(toNumbers(next.w)).toEqual([i / 2, (i + 1) / 2]);
      expect(toNumbers(next.layers[1] as x.Tensor)).toEqual([(i + 1) / 2, -(i + 1) / 2, 0.5]);
    }
    expect(traces).toBe(1);
    expect(step.cacheSize).toBe(1);
    const graph = step.graph({ w: t2, layers: [t2, t2] }, 0.5);
    expect(graph.params).toHaveLength(3);
  }, 120_000);

  test('structure is part of the key: key order, array length, containers', () => {
    let traces = 0;
    const f = x.jit((o: Record<string, x.Tensor> | x.Tensor[]) => {
      traces++;
      return x.concat(Object.values(o));
    });
    expect(toNumbers(f({ a: f64([1]), b: f64([2]) }))).toEqual([1, 2]);
    expect(toNumbers(f({ b: f64([2]), a: f64([1]) }))).toEqual([2, 1]);
    expect(toNumbers(f([f64([1]), f64([2])]))).toEqual([1, 2]);
    expect(toNumbers(f([f64([1]), f64([2]), f64([3])]))).toEqual([1, 2, 3]);
    expect(toNumbers(f({ a: f64([5]), b: f64([6]) }))).toEqual([5, 6]);
    expect(traces).toBe(4);
  }, 120_000);

  test('results may be pytrees with static leaves', () => {
    const f = x.jit((p: { a: x.Tensor; b: x.Tensor }) => ({
      sum: x.add(p.a, p.b),
      parts: [p.a, { b: p.b }],
      tag: 'ok',
    }));
    const out = f({ a: t2, b: f64([10, 20]) });
    expect(toNumbers(out.sum)).toEqual([11, 22]);
    expect(toNumbers((out.parts[1] as { b: x.Tensor }).b)).toEqual([10, 20]);
    expect(out.tag).toBe('ok');
    expect(x.tree.structure(out).toString()).toBe('{sum: *, parts: [*, {b: *}], tag: "ok"}');
  }, 120_000);

  test('jit over random pytrees equals eager, and new leaf values reuse the trace', () => {
    fc.assert(
      fc.property(treeArb, fc.double({ min: -2, max: 2, noNaN: true }), (tree, s) => {
        const f = (t: unknown, k: number) => ({
          total: lossOf(x.tree.leaves(t)),
          mapped: x.tree.map(t, (l) => x.mul(x.exp(l), k)),
          k,
        });
        const jf = x.jit(f);
        for (const input of [tree, x.tree.map(tree, (l) => x.add(l, 1))]) {
          const got = jf(input, s);
          const want = f(input, s);
          expect(x.tree.structure(got).toString()).toBe(x.tree.structure(want).toString());
          const [gl, wl] = [x.tree.leaves(got), x.tree.leaves(want)];
          gl.forEach((g, i) => {
            expectAllClose(toNumbers(g), toNumbers(wl[i] as x.Tensor), { rtol: 1e-12, atol: 1e-12 });
          });
        }
        expect(jf.cacheSize).toBe(1);
      }),
      { numRuns: 30 },
    );
  }, 120_000);

  test('a cycle is a ValueError naming its path', () => {
    const a: Record<string, unknown> = { t: t2 };
    a['self'] = [a];
    const e = caught(() => x.jit((o: unknown) => x.tree.leaves(o)[0] as x.Tensor)(a));
    expect(e).toBeInstanceOf(x.ValueError);
    expect(e.message).toBe(
      "xent.jit: argument 'args[0].self[0]' expected a pytree without cycles, got a reference to 'args[0]'",
    );
  });
});

describe('the bounded cache and the retrace warning', () => {
  test('cacheLimit keeps the most recently used signatures; an evicted one traces again, correctly', () => {
    let traces = 0;
    const f = x.jit(
      (t: x.Tensor, k: number) => {
        traces++;
        return x.mul(t, k);
      },
      { cacheLimit: 2 },
    );
    for (const k of [1, 2, 1, 3]) expect(toNumbers(f(t2, k))).toEqual([k, 2 * k]);
    expect([traces, f.cacheSize]).toEqual([3, 2]);
    expect(toNumbers(f(t2, 1))).toEqual([1, 2]);
    expect(traces).toBe(3);
    expect(toNumbers(f(t2, 2))).toEqual([2, 4]);
    expect([traces, f.cacheSize]).toEqual([4, 2]);
  });

  test('the default bound is 64 signatures', () => {
    const f = x.jit((t: x.Tensor, k: number) => x.mul(t, k), { warnRetrace: false });
    for (let k = 0; k < 70; k++) f(t2, k);
    expect(f.cacheSize).toBe(64);
  }, 120_000);

  test('cacheLimit and warnRetrace are validated', () => {
    const f = (t: x.Tensor): x.Tensor => t;
    for (const bad of [0, -1, 1.5, NaN]) {
      expect(caught(() => x.jit(f, { cacheLimit: bad })).message).toBe(
        `xent.jit: argument 'cacheLimit' expected an integer ≥ 1 or Infinity, got number ${bad}`,
      );
    }
    expect(x.jit(f, { cacheLimit: Infinity }).cacheSize).toBe(0);
    expect(caught(() => x.jit(f, { warnRetrace: 'no' as unknown as boolean })).message).toBe(
      "xent.jit: argument 'warnRetrace' expected a boolean (true or false), got string 'no'",
    );
  });

  test('a static-value storm warns exactly once, naming the argument that changed', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const f = x.jit(function scaled(t: x.Tensor, o: { lr: number }) {
      return x.mul(t, o.lr);
    });
    for (let i = 1; i <= 20; i++) expect(toNumbers(f(t2, { lr: i }))).toEqual([i, 2 * i]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toBe(
      "xent.jit: 'scaled' has been traced 9 times; the last retrace came from args[1].lr: static value 8 → 9. " +
        'Each new shape, dtype, structure or static value traces and compiles again: pass values that change as ' +
        'tensors, and reuse function objects (static arguments are compared by identity). ' +
        'Silence with { warnRetrace: false } or XENT_NO_RETRACE_WARN=1.',
    );
  }, 120_000);

  test('the warning names a changed shape, a new function object, a changed structure', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const shapes = x.jit((t: x.Tensor) => x.sum(t));
    for (let n = 1; n <= 10; n++) shapes(x.zeros([n]));
    const fns = x.jit((t: x.Tensor, act: (u: x.Tensor) => x.Tensor) => act(t));
    for (let i = 0; i < 10; i++) fns(t2, (u) => x.mul(u, i));
    const structures = x.jit((ts: x.Tensor[]) => ts[0] as x.Tensor);
    for (let n = 1; n <= 10; n++) structures(Array.from({ length: n }, () => t2));
    const messages = warn.mock.calls.map((c) => String(c[0]));
    expect(messages).toHaveLength(3);
    expect(messages[0]).toContain('the last retrace came from args[0]: shape/dtype f32[8] → f32[9].');
    expect(messages[1]).toContain(
      'the last retrace came from args[1]: static value <function> → <function> (functions and objects are compared by identity).',
    );
    expect(messages[2]).toContain(
      'the last retrace came from args[0]: structure [*, *, *, *, *, *, *, *] → structure [*, *, *, *, *, *, *, *, *].',
    );
  }, 120_000);

  test('warnRetrace: false and XENT_NO_RETRACE_WARN=1 silence it', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const quiet = x.jit((t: x.Tensor, k: number) => x.mul(t, k), { warnRetrace: false });
    for (let k = 0; k < 12; k++) quiet(t2, k);
    process.env['XENT_NO_RETRACE_WARN'] = '1';
    try {
      const silenced = x.jit((t: x.Tensor, k: number) => x.mul(t, k));
      for (let k = 0; k < 12; k++) silenced(t2, k);
    } finally {
      delete process.env['XENT_NO_RETRACE_WARN'];
    }
    expect(warn).not.toHaveBeenCalled();
  }, 120_000);
});

describe('gradients over pytrees', () => {
  test('grad over a random pytree equals grad over its leaves as positional arguments', () => {
    fc.assert(
      fc.property(treeArb, (tree) => {
        const leaves = x.tree.leaves(tree);
        const g = x.grad((t: unknown) => lossOf(x.tree.leaves(t)))(tree);
        const positional = x.grad((...ls: x.Tensor[]) => lossOf(ls), { argnums: leaves.map((_, i) => i) })(...leaves);
        expect(x.tree.structure(g).toString()).toBe(x.tree.structure(tree).toString());
        x.tree.leaves(g).forEach((gk, k) => {
          expect(toNumbers(gk)).toEqual(toNumbers(positional[k] as x.Tensor));
        });
      }),
      { numRuns: 30 },
    );
  }, 120_000);

  test('argnums selects whole subtrees; static leaves come back unchanged', () => {
    const loss = (p: { w: x.Tensor; b: x.Tensor; act: string }, input: x.Tensor, q: [x.Tensor, number]) =>
      x.sum(x.mul(x.add(x.matmul(input, p.w), p.b), q[0]));
    const p = { w: f64([1, 2, 3, 4, 5, 6], [2, 3]), b: f64([0.5, -0.5, 1]), act: 'relu' };
    const input = f64([1, -1], [1, 2]);
    const q: [x.Tensor, number] = [f64([1, 2, 3], [1, 3]), 7];
    const [gp, gq] = x.grad(loss, { argnums: [0, 2] })(p, input, q);
    expect(gp.act).toBe('relu');
    expect(toNumbers(gp.b)).toEqual([1, 2, 3]);
    expect(toNumbers(gp.w)).toEqual([1, 2, 3, -1, -2, -3]);
    expect(toNumbers(gq[0])).toEqual([1 - 4 + 0.5, 2 - 5 - 0.5, 3 - 6 + 1]);
    expect(gq[1]).toBe(7);
    const [value, gInput] = x.valueAndGrad(loss, { argnums: 1 })(p, input, q);
    expect(x.item(value)).toBe(x.item(loss(p, input, q)));
    expect(toNumbers(gInput)).toEqual([1 + 4 + 9, 4 + 10 + 18]);
  });

  test('hasAux: grad returns [grads, aux], valueAndGrad [[value, aux], grads]; aux is not differentiated', () => {
    const f = (p: { w: x.Tensor }) => [x.sum(x.square(p.w)), { squares: x.square(p.w), note: 'aux' }] as const;
    const p = { w: f64([1, -2, 3]) };
    const [g, aux] = x.grad(f, { hasAux: true })(p);
    expect(toNumbers(g.w)).toEqual([2, -4, 6]);
    expect(toNumbers(aux.squares)).toEqual([1, 4, 9]);
    expect(aux.note).toBe('aux');
    const [[value, aux2], g2] = x.valueAndGrad(f, { hasAux: true })(p);
    expect(x.item(value)).toBe(14);
    expect(toNumbers(aux2.squares)).toEqual([1, 4, 9]);
    expect(toNumbers(g2.w)).toEqual([2, -4, 6]);
    const jitted = x.jit(x.valueAndGrad(f, { hasAux: true }));
    const [[jv, jaux], jg] = jitted(p);
    expect([x.item(jv), toNumbers(jaux.squares), toNumbers(jg.w)]).toEqual([14, [1, 4, 9], [2, -4, 6]]);
  });

  test('grad of jit over a params tree, and jit of valueAndGrad over steps, trace once', () => {
    const loss = (p: { w: x.Tensor; b: x.Tensor }, input: x.Tensor) => x.sum(x.square(x.add(x.mul(input, p.w), p.b)));
    const step = x.jit(x.valueAndGrad(loss));
    const jl = x.jit(loss);
    for (let i = 0; i < 3; i++) {
      const p = { w: f64([i, 1]), b: f64([0.5, i]) };
      const input = f64([1, 2]);
      const [v, g] = step(p, input);
      const [ev, eg] = x.valueAndGrad(loss)(p, input);
      expect(x.item(v)).toBe(x.item(ev));
      expect([toNumbers(g.w), toNumbers(g.b)]).toEqual([toNumbers(eg.w), toNumbers(eg.b)]);
      const gj = x.grad(jl)(p, input);
      expect([toNumbers(gj.w), toNumbers(gj.b)]).toEqual([toNumbers(eg.w), toNumbers(eg.b)]);
    }
    expect(step.cacheSize).toBe(1);
  });

  test('vjp and jvp take and return trees: ⟨J t, c⟩ = ⟨t, Jᵀ c⟩', () => {
    const f = (p: { a: x.Tensor; b: x.Tensor }, s: x.Tensor) => ({
      prod: x.mul(x.sin(p.a), p.b),
      both: [x.exp(x.mul(p.a, s)), x.sum(p.b)],
      kind: 'out',
    });
    fc.assert(
      fc.property(
        valuesArb([3], 'unit'),
        valuesArb([3], 'unit'),
        valuesArb([3], 'unit'),
        directionArb(9),
        directionArb(7),
        (a, b, s, t, c) => {
          const primals: Parameters<typeof f> = [{ a: f64(a), b: f64(b) }, f64(s)];
          const tangents = [{ a: f64(t.slice(0, 3)), b: f64(t.slice(3, 6)) }, f64(t.slice(6))] as const;
          const [out, jt] = x.jvp(f, primals, tangents);
          expect(out.kind).toBe('out');
          expect(jt.kind).toBe('out');
          expect(toNumbers(out.prod)).toEqual(toNumbers(f(...primals).prod));
          const cot = { prod: f64(c.slice(0, 3)), both: [f64(c.slice(3, 6)), f64(c.slice(6), [])], kind: 'out' };
          const [vout, pullback] = x.vjp(f, ...primals);
          expect(toNumbers(vout.both[0] as x.Tensor)).toEqual(toNumbers(out.both[0] as x.Tensor));
          const [cp, cs] = pullback(cot);
          const jtc = dot(x.tree.leaves(jt).flatMap(toNumbers), c);
          const tjc = dot([...toNumbers(cp.a), ...toNumbers(cp.b), ...toNumbers(cs)], t);
          expectAllClose([jtc], [tjc], { rtol: 1e-12, atol: 1e-12 });
        },
      ),
      { numRuns: 30 },
    );
  }, 120_000);

  test('hvp over a tree: the Hessian of Σ a²·b + Σ eᵇ applied to a tree direction', () => {
    const f = (p: { a: x.Tensor; b: x.Tensor }) => x.add(x.sum(x.mul(x.square(p.a), p.b)), x.sum(x.exp(p.b)));
    fc.assert(
      fc.property(valuesArb([2], 'unit'), valuesArb([2], 'unit'), directionArb(4), (a, b, v) => {
        const [va, vb] = [v.slice(0, 2), v.slice(2)];
        const hv = x.hvp(f)({ a: f64(a), b: f64(b) }, { a: f64(va), b: f64(vb) });
        // ∂²/∂a² = 2b, ∂²/∂a∂b = 2a, ∂²/∂b² = eᵇ (all diagonal)
        const at = (arr: number[], i: number): number => arr[i] as number;
        expectAllClose(
          toNumbers(hv.a),
          a.map((ai, i) => 2 * at(b, i) * at(va, i) + 2 * ai * at(vb, i)),
          { rtol: 1e-12, atol: 1e-14 },
        );
        expectAllClose(
          toNumbers(hv.b),
          a.map((ai, i) => 2 * ai * at(va, i) + Math.exp(at(b, i)) * at(vb, i)),
          { rtol: 1e-12, atol: 1e-14 },
        );
      }),
    );
  }, 120_000);
});

describe('bad input to the tree transforms', () => {
  const loss = (p: { w: x.Tensor }, k: number) => x.sum(x.mul(p.w, k));
  const p = { w: t2 };

  test.for([
    [
      () => x.grad((q: { w: x.Tensor; labels: x.Tensor }) => x.sum(q.w))({ w: t2, labels: y }),
      "xent.grad: argument 'args[0].labels' expected a floating-point tensor (gradients are defined for f32 and f64), got dtype i32",
    ],
    [
      () => x.grad(loss, { argnums: 1 })(p, 3),
      "xent.grad: argument 'args[1]' expected a Tensor or a pytree of Tensors (it is differentiated), got number 3",
    ],
    [
      () => x.grad(loss, { argnums: [0, 0] })(p, 3),
      "xent.grad: argument 'argnums' expected distinct argument positions, got 0 twice",
    ],
    [
      () => x.grad(loss, { argnum: 1 } as never)(p, 3),
      "xent.grad: argument 'options' expected an options object with keys among argnums, hasAux, got unknown key 'argnum' (did you mean 'argnums'?)",
    ],
    [
      () =>
        x.grad(((q: { w: x.Tensor }) => x.sum(q.w)) as unknown as (q: unknown) => [x.Tensor, 0], { hasAux: true })(p),
      "xent.grad: argument 'f' expected a function returning [value, aux] (hasAux), got a result of structure *",
    ],
    [
      () => x.grad((q: { w: x.Tensor }) => [x.sum(q.w), { n: 3 }] as unknown as x.Tensor)(p),
      "xent.grad: argument 'f' expected a function returning one scalar Tensor, got a result of structure [*, {n: 3}] (return [value, aux] with hasAux: true)",
    ],
    [
      () => x.vjp((q: { a: x.Tensor; b: x.Tensor }) => q, { a: t2, b: t2 })[1]({ a: t2 } as never),
      "xent.vjp.pullback: argument 'cotangent' expected an object with keys {a, b}, got an object with keys {a}",
    ],
    [
      () => x.vjp((q: { a: x.Tensor; b: x.Tensor }) => q, { a: t2, b: t2 })[1]({ a: t2, b: f64([1, 2, 3]) }),
      "xent.vjp.pullback: argument 'cotangent.b' expected f64[2], got f64[3]",
    ],
    [
      () => x.hvp((q: { a: x.Tensor }) => x.sum(q.a))({ a: t2 }, { a: x.tensor([1, 2]) }),
      "xent.hvp: argument 'v.a' expected f64[2], got f32[2]",
    ],
    [
      () => x.tree.map2({ a: t2, b: [t2] }, { a: t2, b: t2 } as never, x.add),
      "xent.map2: argument 'b.b' expected an array of length 1, got Tensor f64[2]",
    ],
    [
      () => x.tree.unflatten(x.tree.structure({ a: t2, b: t2 }), [t2]),
      "xent.unflatten: argument 'leaves' expected an array of 2 leaves (one per tensor slot), got 1",
    ],
  ] as const)('%#: %s', ([run, message]) => {
    expect(caught(run).message).toBe(message);
  });
});

describe('x.tree', () => {
  test('flatten, unflatten, structure and leaves round-trip; static leaves and null prototypes are kept', () => {
    const bare = Object.assign(Object.create(null) as object, { u: f64([5]) });
    const fn = (): void => undefined;
    const tree = { b: [t2, 3, null], 'a key': { c: z, fn, bare }, none: undefined };
    const [leaves, def] = x.tree.flatten(tree);
    expect(leaves).toEqual([t2, z, bare.u]);
    expect(x.tree.leaves(tree)).toEqual(leaves);
    expect(def.numLeaves).toBe(3);
    expect(def.toString()).toBe('{b: [*, 3, null], "a key": {c: *, fn: <function fn>, bare: {u: *}}, none: undefined}');
    const back = x.tree.unflatten(def, leaves);
    expect(back).toEqual(tree);
    expect(back['a key'].fn).toBe(fn);
    expect(Object.getPrototypeOf(back['a key'].bare)).toBe(null);
    expect(x.tree.structure(back).key).toBe(def.key);
  });

  test('map applies to tensor leaves; map2 pairs two trees, objects matched by key', () => {
    const a = { w: t2, rest: [f64([3]), 'tag'] as const };
    const doubled = x.tree.map(a, (t) => x.mul(t, 2));
    expect(toNumbers(doubled.w)).toEqual([2, 4]);
    expect(doubled.rest[1]).toBe('tag');
    const sizes = x.tree.map(a, (t) => t.size);
    expect(sizes).toEqual({ w: 2, rest: [1, 'tag'] });
    const sums = x.tree.map2(a, { rest: [f64([10]), 'tag'], w: f64([1, 1]) }, (p, q) => x.add(p, q));
    expect(toNumbers(sums.w)).toEqual([2, 3]);
    expect(toNumbers(sums.rest[0])).toEqual([13]);
    expect(Object.keys(sums)).toEqual(['w', 'rest']);
  });
});
