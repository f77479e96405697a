/**
 * @file Cache keys for static leaves: equal keys exactly when the values are interchangeable.
 * Primitives by `Object.is` (NaN = NaN, −0 ≠ 0, ±Infinity distinct), functions and objects by identity.
 */

const ids = new WeakMap<WeakKey, number>();
let nextId = 0;

/** A number per object (or unregistered symbol) for as long as it lives; never reused. */
function identity(v: WeakKey): number {
  let id = ids.get(v);
  if (id === undefined) {
    id = nextId++;
    ids.set(v, id);
  }
  return id;
}

/** The key of a static leaf. `String` of a number round-trips exactly, so distinct doubles get distinct keys. */
export function staticKey(v: unknown): string {
  switch (typeof v) {
    case 'number':
      return Object.is(v, -0) ? 'n-0' : `n${v}`;
    case 'string':
      return `s${JSON.stringify(v)}`;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `i${v}`;
    case 'symbol': {
      const registered = Symbol.keyFor(v);
      return registered === undefined ? `#${identity(v)}` : `y${JSON.stringify(registered)}`;
    }
    case 'function':
      return `#${identity(v)}`;
    case 'object':
      return v === null ? 'null' : `#${identity(v)}`;
  }
}
