/**
 * @file Pass (inside schedule): row groups. Map kernels over the same leading `rows` loop whose
 * reads of each other's outputs are provably at their own rows join one group, so a backend can
 * run every member over a block of rows before the next block and read each row from memory once.
 * Kernels that cannot join and that no later member needs move after the group; nothing is moved
 * across a dependency.
 */
import type { Node } from '../ir/node.js';
import { sizeOf } from '../ir/shape.js';
import type { MapKernel } from '../kernel/program.js';
import { type ScalarExpr, scalarToposort } from '../kernel/scalar.js';
import type { LoweredKernel } from './lower.js';

/** A unit of the schedule: one kernel, or a row group's members in order (positions in the lowered list). */
export type ScheduleUnit =
  | { readonly kind: 'launch'; readonly kernel: number }
  | { readonly kind: 'rowGroup'; readonly rows: number; readonly kernels: readonly number[] };

/**
 * How many kernels a group may move after itself before it stops looking for members: a bound on
 * the scan and on how far a kernel can be postponed.
 */
const MAX_DEFERRED = 8;

/** The leading loop's extent of a kernel that can join a row group (a map kernel of rank ≥ 1), else undefined. */
function rowsOf(k: LoweredKernel): number | undefined {
  const kernel = k.kernel;
  return kernel.kind === 'map' && kernel.shape.length > 0 && (kernel.shape[0] as number) > 0
    ? kernel.shape[0]
    : undefined;
}

/** An i32 address c + Σ coef·var over loop vars. */
interface LinearAddress {
  readonly c: number;
  readonly coef: ReadonlyMap<number, number>;
}

const combine = (a: LinearAddress, b: LinearAddress, sign: 1 | -1): LinearAddress => {
  const coef = new Map(a.coef);
  for (const [v, k] of b.coef) coef.set(v, (coef.get(v) ?? 0) + sign * k);
  return { c: a.c + sign * b.c, coef };
};

const scaled = (a: LinearAddress, k: number): LinearAddress => ({
  c: a.c * k,
  coef: new Map([...a.coef].map(([v, x]) => [v, x * k])),
});

/** The address as c + Σ coef·var when it is built only of loop vars, i32 literals, +, − and × by a literal; else undefined. */
function linearAddress(e: ScalarExpr): LinearAddress | undefined {
  if (e.dtype !== 'i32') return undefined;
  if (e.op === 'const') return { c: e.imm, coef: new Map() };
  if (e.op === 'var') return { c: 0, coef: new Map([[e.imm, 1]]) };
  if (e.op !== 'add' && e.op !== 'sub' && e.op !== 'mul') return undefined;
  const a = linearAddress(e.args[0] as ScalarExpr);
  const b = linearAddress(e.args[1] as ScalarExpr);
  if (a === undefined || b === undefined) return undefined;
  if (e.op !== 'mul') return combine(a, b, e.op === 'add' ? 1 : -1);
  if (a.coef.size === 0) return scaled(b, a.c);
  return b.coef.size === 0 ? scaled(a, b.c) : undefined;
}

/** The extent of each loop var of a map kernel: output loops, then reduction loops. */
const loopExtents = (k: MapKernel): readonly number[] => [...k.shape, ...(k.reduce?.shape ?? [])];

/**
 * Whether `address`, in a kernel with loops of `extents` whose loop 0 is the row, lies in the
 * reader's own row of a row-major buffer of `rows` rows of `rowSize` elements:
 * address = rowSize·i₀ + r with r ∈ [0, rowSize) over every value of the other loop vars.
 */
export function rowLocal(address: ScalarExpr, rows: number, rowSize: number, extents: readonly number[]): boolean {
  const a = linearAddress(address);
  if (a === undefined) return false;
  // with one row, i₀ is 0 and its coefficient does not matter
  if (rows !== 1 && a.coef.get(0) !== rowSize) return false;
  let [lo, hi] = [a.c, a.c];
  for (const [v, k] of a.coef) {
    if (v === 0) continue;
    const extent = extents[v];
    if (extent === undefined) return false;
    const top = k * Math.max(extent - 1, 0);
    lo += Math.min(0, top);
    hi += Math.max(0, top);
  }
  return lo >= 0 && hi <= rowSize - 1;
}

/** The addresses of every load `k` makes from its input slot `slot`. */
function loadAddresses(k: MapKernel, slot: number): ScalarExpr[] {
  const roots = k.reduce === undefined ? k.outputs : [k.reduce.body, ...k.outputs];
  return scalarToposort(roots).flatMap((e) => (e.op === 'load' && e.imm === slot ? [e.args[0] as ScalarExpr] : []));
}

/**
 * Groups the kernels (in dependency order) into launches and row groups: a group starts at a
 * kernel that can join one and takes each later kernel over the same rows whose inputs come from
 * before the group or from members, read from members only at its own rows (`rowLocal`). The
 * kernels it passes over keep their order after the group. Groups of one stay plain launches.
 */
export function rowGroups(kernels: readonly LoweredKernel[]): ScheduleUnit[] {
  const writer = new Map<Node, number>();
  kernels.forEach((k, i) => {
    for (const n of k.outputs) writer.set(n, i);
  });
  const units: ScheduleUnit[] = [];
  let queue = kernels.map((_, i) => i);
  while (queue.length > 0) {
    const [first, ...rest] = queue as [number, ...number[]];
    const rows = rowsOf(kernels[first] as LoweredKernel);
    if (rows === undefined) {
      units.push({ kind: 'launch', kernel: first });
      queue = rest;
      continue;
    }
    const members = new Set([first]);
    const deferred = new Set<number>();
    const joins = (j: number): boolean => {
      const k = kernels[j] as LoweredKernel;
      if (rowsOf(k) !== rows) return false;
      const extents = loopExtents(k.kernel as MapKernel);
      return k.inputs.every((n, slot) => {
        const w = writer.get(n);
        if (w === undefined || (!members.has(w) && !deferred.has(w))) return true;
        // a member's output holds `rows` rows of what its loops after the first visit
        const rowSize = sizeOf(n.type.shape) / rows;
        return (
          members.has(w) && loadAddresses(k.kernel as MapKernel, slot).every((a) => rowLocal(a, rows, rowSize, extents))
        );
      });
    };
    let scanned = 0;
    for (; scanned < rest.length && deferred.size <= MAX_DEFERRED; scanned++) {
      const j = rest[scanned] as number;
      if (joins(j)) members.add(j);
      else deferred.add(j);
    }
    units.push(
      members.size === 1 ? { kind: 'launch', kernel: first } : { kind: 'rowGroup', rows, kernels: [...members] },
    );
    queue = [...deferred, ...rest.slice(scanned)];
  }
  return units;
}
