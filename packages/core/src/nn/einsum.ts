/**
 * @file einsum: NumPy's Einstein summation over subscripts, lowered to transposes, reshapes, broadcasts,
 * sums and one matmul per pair of operands (no kernel of its own), with result shapes typed from literal
 * subscripts and shapes.
 */
import { fail, ShapeError, ValueError } from '../errors.js';
import { formatShape, sizeOf } from '../ir/shape.js';
import { cast, equal, mul } from '../trace/ops/elementwise.js';
import { matmul } from '../trace/ops/linalg.js';
import { broadcastTo, iota, reshape, transpose } from '../trace/ops/movement.js';
import { sum } from '../trace/ops/reduce.js';
import type { Tensor } from '../trace/tensor.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import type { EinsumCheck, EinsumResult } from './einsumTypes.js';
import { requireSameDType } from './operands.js';

const fn = 'einsum';

/** An operand with one label per axis (ellipsis axes labelled `.0`, `.1`, … right-aligned across operands). */
interface Labelled {
  readonly t: Tensor;
  readonly labels: readonly string[];
}

/** The labels of one term (letters, at most one `...` marked as null), or a ValueError naming the subscripts. */
function parseTerm(term: string, subscripts: string): (string | null)[] {
  const out: (string | null)[] = [];
  for (let i = 0; i < term.length;) {
    if (term.startsWith('...', i)) {
      if (out.includes(null)) fail(ValueError, fn, 'subscripts', 'at most one ellipsis per term', subscripts);
      out.push(null);
      i += 3;
    } else {
      const c = term[i] as string;
      if (!/^[a-zA-Z]$/.test(c))
        fail(ValueError, fn, 'subscripts', "letters, ',', '...' and one '->'", `${JSON.stringify(c)} in ${subscripts}`);
      out.push(c);
      i++;
    }
  }
  return out;
}

/** Expands a term's ellipsis to the labels of its operand's middle axes (`.k`, right-aligned to `width`). */
function expand(term: readonly (string | null)[], rank: number, width: number): string[] {
  const at = term.indexOf(null);
  if (at < 0) return term as string[];
  const covered = rank - (term.length - 1);
  const dots = Array.from({ length: covered }, (_, i) => `.${width - covered + i}`);
  return [...(term.slice(0, at) as string[]), ...dots, ...(term.slice(at + 1) as string[])];
}

/** The diagonal over two axes p < q of equal size n: Σ_q t ⊙ [i_p = i_q], dropping axis q. */
function diagonal(t: Tensor, p: number, q: number): Tensor {
  const n = t.shape[p] as number;
  const shape = t.shape.map((d, i) => (i === p || i === q ? n : 1));
  const mask = cast(equal(iota(shape, p), iota(shape, q)), t.dtype);
  return sum(mul(t, mask), { axis: q });
}

/** Sums the axes whose labels `keep` rejects. */
function sumOut(x: Labelled, keep: (label: string) => boolean): Labelled {
  const axes = x.labels.flatMap((l, i) => (keep(l) ? [] : [i]));
  if (axes.length === 0) return x;
  return { t: sum(x.t, { axis: axes }), labels: x.labels.filter((l) => keep(l)) };
}

/** Moves axes into the order of `labels` (all of x's labels). */
function arrange(x: Labelled, labels: readonly string[]): Tensor {
  const perm = labels.map((l) => x.labels.indexOf(l));
  return perm.every((p, i) => p === i) ? x.t : transpose(x.t, perm);
}

/**
 * Contracts two operands over their shared labels that `keep` rejects, as one batched matmul: a as
 * [batch, a-only, shared] and b as [batch, shared, b-only], each group flattened to one axis.
 */
function contract(a: Labelled, b: Labelled, keep: (label: string) => boolean, size: (l: string) => number): Labelled {
  const inB = (l: string): boolean => b.labels.includes(l);
  const batch = a.labels.filter((l) => inB(l) && keep(l));
  const shared = a.labels.filter((l) => inB(l) && !keep(l));
  const aOnly = a.labels.filter((l) => !inB(l));
  const bOnly = b.labels.filter((l) => !a.labels.includes(l));
  const dims = (ls: readonly string[]): number => sizeOf(ls.map(size));
  const [nb, m, k, n] = [dims(batch), dims(aOnly), dims(shared), dims(bOnly)];
  const am = reshape(arrange(a, [...batch, ...aOnly, ...shared]), [nb, m, k]);
  const bm = reshape(arrange(b, [...batch, ...shared, ...bOnly]), [nb, k, n]);
  const labels = [...batch, ...aOnly, ...bOnly];
  return { t: reshape(matmul(am, bm), labels.map(size)), labels };
}

function einsumImpl(subscripts: string, ...operands: readonly Tensor[]): Tensor {
  const spec = subscripts.replace(/\s+/g, '');
  const arrow = spec.split('->');
  if (arrow.length > 2) fail(ValueError, fn, 'subscripts', "at most one '->'", subscripts);
  const terms = (arrow[0] as string).split(',').map((t) => parseTerm(t, subscripts));
  if (terms.length !== operands.length)
    fail(
      ValueError,
      fn,
      'operands',
      `${terms.length} operand(s), one per term of ${JSON.stringify(subscripts)}`,
      `${operands.length} operand(s)`,
    );
  if (operands.length === 0) fail(ValueError, fn, 'operands', 'at least one operand', 'none');
  const first = operands[0] as Tensor;
  operands.forEach((t, i) => {
    requireSameDType(fn, `operands[${i}]`, t, 'operands[0]', first);
  });
  const ranks = terms.map((term, i) => {
    const t = operands[i] as Tensor;
    const explicit = term.filter((l) => l !== null).length;
    const ok = term.includes(null) ? t.rank >= explicit : t.rank === explicit;
    if (!ok)
      fail(
        ShapeError,
        fn,
        `operands[${i}]`,
        `rank ${term.includes(null) ? `≥ ${explicit}` : explicit} (term ${JSON.stringify(term.map((l) => l ?? '...').join(''))})`,
        formatShape(t.shape),
      );
    return t.rank - explicit;
  });
  const width = Math.max(0, ...terms.map((term, i) => (term.includes(null) ? (ranks[i] as number) : 0)));
  // per operand: labels, repeated labels reduced to their diagonal
  let ops: Labelled[] = terms.map((term, i) => {
    let x: Labelled = { t: operands[i] as Tensor, labels: expand(term, (operands[i] as Tensor).rank, width) };
    for (let q = x.labels.length - 1; q >= 0; q--) {
      const p = x.labels.indexOf(x.labels[q] as string);
      if (p === q) continue;
      if (x.t.shape[p] !== x.t.shape[q])
        fail(
          ShapeError,
          fn,
          `operands[${i}]`,
          `equal sizes for the repeated index ${x.labels[q] ?? ''}`,
          formatShape(x.t.shape),
        );
      x = { t: diagonal(x.t, p, q), labels: x.labels.filter((_, j) => j !== q) };
    }
    return x;
  });
  // sizes: every label's sizes are 1 or one common size (NumPy broadcasting)
  const sizes = new Map<string, number>();
  ops.forEach((x) => {
    x.labels.forEach((l, j) => {
      sizes.set(l, Math.max(sizes.get(l) ?? 1, x.t.shape[j] as number));
    });
  });
  ops.forEach((x, i) => {
    x.labels.forEach((l, j) => {
      const d = x.t.shape[j] as number;
      if (d !== 1 && d !== sizes.get(l))
        fail(
          ShapeError,
          fn,
          `operands[${i}]`,
          `size ${sizes.get(l) ?? 0} (or 1) for index ${l.startsWith('.') ? '...' : l}`,
          `${formatShape(x.t.shape)} with ${d} there`,
        );
    });
  });
  const all = ops.flatMap((x) => x.labels);
  const dots = Array.from({ length: width }, (_, i) => `.${i}`);
  let output: string[];
  if (arrow.length === 2) {
    const out = parseTerm(arrow[1] as string, subscripts);
    output = expand(out, width + out.length - (out.includes(null) ? 1 : 0), width).filter(
      (l) => !l.startsWith('.') || all.includes(l),
    );
    output.forEach((l, j) => {
      if (!l.startsWith('.') && !all.includes(l))
        fail(ValueError, fn, 'subscripts', `output indices that appear in the inputs`, `${l} in ${subscripts}`);
      if (output.indexOf(l) !== j)
        fail(ValueError, fn, 'subscripts', `no repeated output index`, `${l} in ${subscripts}`);
    });
  } else {
    // NumPy's implicit output: the ellipsis axes, then the indices that appear once, in alphabetical order
    const written = terms.flat();
    const once = [...new Set(all)]
      .filter((l) => !l.startsWith('.') && written.filter((m) => m === l).length === 1)
      .sort();
    output = [...dots.filter((l) => all.includes(l)), ...once];
  }
  const size = (l: string): number => sizes.get(l) ?? 1;
  ops = ops.map((x) => ({ t: broadcastTo(x.t, x.labels.map(size)), labels: x.labels }));
  const neededAfter = (i: number): Set<string> => new Set([...output, ...ops.slice(i).flatMap((x) => x.labels)]);
  let acc = sumOut(ops[0] as Labelled, (l) => neededAfter(1).has(l));
  for (let i = 1; i < ops.length; i++) {
    const later = neededAfter(i + 1);
    const next = sumOut(ops[i] as Labelled, (l) => later.has(l) || acc.labels.includes(l));
    acc = sumOut(acc, (l) => later.has(l) || next.labels.includes(l));
    acc = contract(acc, next, (l) => later.has(l), size);
  }
  acc = sumOut(acc, (l) => output.includes(l));
  return arrange(acc, output);
}

/**
 * NumPy's `einsum`: `x.einsum('bij,bjk->bik', a, b)`. Subscripts are letters, at most one `...` per
 * term (broadcast axes, right-aligned) and an optional `->` output (without it: the ellipsis axes,
 * then the indices that appear once, alphabetically). A repeated index in one term takes the
 * diagonal; an index missing from the output is summed; sizes of 1 broadcast. Lowered to transposes,
 * reshapes, sums and one matmul per pair of operands, left to right. With literal subscripts (an explicit
 * output, with or without `...`) and shapes the result shape is typed, the ellipsis dims broadcast, and a size
 * mismatch, ellipsis dims that do not broadcast or a wrong operand count fail `tsc`.
 */
export const einsum = publicFn(
  'einsum',
  { subscripts: s.string, '...operands': s.tensor({ dtype: 'float' }) },
  einsumImpl as <const Sub extends string, const Ops extends readonly Tensor[]>(
    subscripts: Sub,
    ...operands: Ops & EinsumCheck<Sub, Ops>
  ) => EinsumResult<Sub, Ops>,
);
