/** @file How an error message names a value the user passed: its type and, when short, its value. */

const MAX_SHOWN = 40;

const clip = (s: string): string => (s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN - 1)}…` : s);

/** A short description of any value, never throwing (objects without a prototype, proxies, revoked ones included). */
export function describe(v: unknown): string {
  try {
    return describeUnsafe(v);
  } catch {
    return 'an object that cannot be inspected';
  }
}

function describeUnsafe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array [${clip(v.map((e) => (typeof e === 'object' ? '…' : String(e))).join(', '))}]`;
  switch (typeof v) {
    case 'undefined':
      return 'undefined';
    case 'string':
      return `string '${clip(v)}'`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof v} ${String(v)}`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    case 'object': {
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto === null) return 'an object with no prototype';
      const ctor = (proto as { constructor?: { name?: unknown } }).constructor;
      const name = typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'Object';
      if (ArrayBuffer.isView(v)) return `a ${name} of length ${(v as unknown as ArrayLike<unknown>).length}`;
      if (name === 'Object') return `an object {${clip(Object.keys(v).join(', '))}}`;
      return `an object (${name})`;
    }
  }
  return typeof v;
}
