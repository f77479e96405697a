/** @file `caught`: the error a function throws, for tests that inspect more than its message. */

/**
 * Runs `f` and returns what it throws, which must be an instance of `type` (by default any `Error`).
 * Throws, failing the test, when `f` returns normally or throws anything else.
 */
export function caught<E extends Error = Error>(f: () => unknown, type?: abstract new (...args: never[]) => E): E {
  const expected = (type ?? Error) as abstract new (...args: never[]) => E;
  try {
    f();
  } catch (e) {
    if (e instanceof expected) return e;
    throw new Error(`expected a ${expected.name}, got ${String(e)}`, { cause: e });
  }
  throw new Error(`expected a ${expected.name}, nothing was thrown`);
}
