/**
 * @file The structural key of a graph evaluated eagerly: equal keys exactly when one compiled program,
 * run with each graph's non-scalar constants as its arguments, computes both graphs' outputs.
 */
import { isDeviceArray } from '../device.js';
import type { ConstNode, Node } from '../ir/node.js';

/** A graph of constants and ops, keyed; its non-scalar constants (`leaves`) become the program's parameters. */
export interface EagerGraph {
  /**
   * Every node in depth-first post-order, each written once: a host scalar constant by its dtype and
   * value (it stays inlined in the program), any other constant as the next parameter by its dtype and
   * shape, an op by its primitive, its parameters and its inputs' positions; then the outputs' positions.
   * An op's type follows from these, so it is not written.
   */
  readonly key: string;
  /** The non-scalar constants, in the order the key gives them parameter numbers. */
  readonly leaves: readonly ConstNode[];
}

/** A number's key: `String` round-trips doubles exactly and spells NaN and ±Infinity; −0 is kept apart from 0. */
const numberKey = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

/**
 * The key of plain data (numbers, strings, booleans, null, undefined, arrays and plain objects, keys
 * sorted; an array's holes read as undefined, as they do for whoever reads the array), or undefined for
 * anything else (functions, class instances, symbols, bigints): values it could not tell apart get none.
 */
export function plainKey(v: unknown): string | undefined {
  switch (typeof v) {
    case 'number':
      return numberKey(v);
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 't' : 'f';
    case 'undefined':
      return 'u';
    case 'object':
      return v === null ? 'n' : containerKey(v);
    case 'function':
    case 'symbol':
    case 'bigint':
      return undefined;
  }
}

/** The key of an array or plain object, or undefined when it is another kind of object or holds one. */
function containerKey(v: object): string | undefined {
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto === Array.prototype) {
    const array = v as readonly unknown[];
    let out = '[';
    for (let i = 0; i < array.length; i++) {
      const k = plainKey(array[i]);
      if (k === undefined) return undefined;
      out += i === 0 ? k : `,${k}`;
    }
    return `${out}]`;
  }
  if (proto !== Object.prototype && proto !== null) return undefined;
  const record = v as Readonly<Record<string, unknown>>;
  let out = '{';
  for (const name of Object.keys(record).sort()) {
    const k = plainKey(record[name]);
    if (k === undefined) return undefined;
    out += `${JSON.stringify(name)}:${k},`;
  }
  return `${out}}`;
}

/** The most nodes whose positions are found by a linear scan (eager ops have a few); larger graphs index them. */
const LINEAR_POSITIONS = 32;

/** The positions of the nodes written so far (their order of writing). */
class Positions {
  private readonly order: Node[] = [];
  private index: Map<Node, number> | undefined;

  /** The position of `node`, or −1 when it was not written. */
  of(node: Node): number {
    return this.index === undefined ? this.order.indexOf(node) : (this.index.get(node) ?? -1);
  }

  /** Writes `node` at the next position. */
  add(node: Node): void {
    this.order.push(node);
    if (this.index !== undefined) this.index.set(node, this.order.length - 1);
    else if (this.order.length > LINEAR_POSITIONS) this.index = new Map(this.order.map((n, i) => [n, i]));
  }
}

/**
 * The keyed form of the param-free graph computing `outputs`, or undefined when some node cannot be
 * keyed (a custom call, a parameter, parameters that are not plain data).
 */
export function eagerGraph(outputs: readonly Node[]): EagerGraph | undefined {
  const positions = new Positions();
  const leaves: ConstNode[] = [];
  let key = '';
  // iterative post-order (eager graphs from gradients can be deep): a node, then how many inputs were visited
  const stack: Node[] = [];
  const next: number[] = [];
  for (const root of outputs) {
    if (positions.of(root) >= 0) continue;
    stack.push(root);
    next.push(0);
    while (stack.length > 0) {
      const top = stack.length - 1;
      const node = stack[top] as Node;
      const child = node.inputs[next[top] as number];
      if (child !== undefined) {
        next[top] = (next[top] as number) + 1;
        if (positions.of(child) < 0) {
          stack.push(child);
          next.push(0);
        }
        continue;
      }
      stack.pop();
      next.pop();
      const part = nodeKey(node, positions, leaves);
      if (part === undefined) return undefined;
      positions.add(node);
      key += `${part};`;
    }
  }
  for (const o of outputs) key += `>${positions.of(o)}`;
  return { key, leaves };
}

/** One node's part of the key (its inputs already have positions); a parameter constant joins `leaves`. */
function nodeKey(node: Node, positions: Positions, leaves: ConstNode[]): string | undefined {
  switch (node.kind) {
    case 'const': {
      const { dtype, shape } = node.type;
      if (shape.length === 0 && !isDeviceArray(node.value)) return `c${dtype}:${numberKey(node.value[0] as number)}`;
      leaves.push(node);
      return `p${dtype}[${shape.join(',')}]`;
    }
    case 'op': {
      const params = plainKey(node.params);
      if (params === undefined) return undefined;
      let inputs = '';
      for (const i of node.inputs) inputs += `${positions.of(i)},`;
      return `${node.prim}${params}(${inputs})`;
    }
    case 'param':
    case 'custom':
      return undefined;
  }
}
