/**
 * @file A hash-consing table for values made from inputs that may be long-lived (tensors' data):
 * it lets go of what nothing else holds without waiting for the event loop.
 *
 * A value is filed under its inputs (objects, by identity), then a string key (its op and parameters).
 * Each input level is a WeakMap, so a value stays in the table exactly as long as all of its inputs
 * are alive, and never keeps one alive itself (a WeakMap's entry does not hold its key). No WeakRef is
 * made for these: a WeakRef keeps its target alive until the current job ends, so a synchronous loop of
 * eager calls would hold every value it ever made (hundreds of MB in 10 000 steps).
 *
 * The values past `STRONG_PER_BUCKET` under one set of inputs (a long-lived tensor sliced a different
 * way each step; the empty set, which lives forever, for scalar constants and `iota`) are held weakly
 * instead, in a map of WeakRefs swept in place whenever it has doubled, not by a FinalizationRegistry
 * (its callbacks also wait for the event loop).
 */

/** Values held strongly under one set of inputs before later ones are held weakly. */
const STRONG_PER_BUCKET = 64;

/** The smallest weak map that is swept. */
const FIRST_SWEEP = 1024;

/** The values filed under one tuple of inputs, and the deeper levels for longer tuples. */
class Bucket<V extends object> {
  /** The first values filed here, held for as long as the bucket (as long as all the inputs) lives. */
  readonly strong = new Map<string, V>();
  /** Later values, held weakly; dead entries are swept when the map has doubled since the last sweep. */
  weak: Map<string, WeakRef<V>> | undefined;
  sweepAt = FIRST_SWEEP;
  /** The buckets of tuples that continue this one, by their next input. */
  next: WeakMap<object, Bucket<V>> | undefined;

  get(key: string): V | undefined {
    return this.strong.get(key) ?? this.weak?.get(key)?.deref();
  }

  set(key: string, value: V): void {
    if (this.strong.size < STRONG_PER_BUCKET) {
      this.strong.set(key, value);
      return;
    }
    const weak = (this.weak ??= new Map<string, WeakRef<V>>());
    weak.set(key, new WeakRef(value));
    if (weak.size >= this.sweepAt) {
      for (const [k, ref] of weak) if (ref.deref() === undefined) weak.delete(k);
      this.sweepAt = Math.max(FIRST_SWEEP, 2 * weak.size);
    }
  }

  /** The bucket one input deeper. */
  child(input: object): Bucket<V> {
    const next = (this.next ??= new WeakMap());
    let b = next.get(input);
    if (b === undefined) {
      b = new Bucket<V>();
      next.set(input, b);
    }
    return b;
  }
}

/** Values identified by their inputs (objects, compared by identity) and a string key. */
export class InternTable<V extends object> {
  private readonly root = new Bucket<V>();

  /** The value filed under `inputs` and `key`, or `make()`'s, filed there and returned. */
  intern(inputs: readonly object[], key: string, make: () => V): V {
    let bucket = this.root;
    for (const input of inputs) bucket = bucket.child(input);
    const hit = bucket.get(key);
    if (hit !== undefined) return hit;
    const value = make();
    bucket.set(key, value);
    return value;
  }
}
