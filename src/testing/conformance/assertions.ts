/** The checks the conformance cases make, on `node:assert` alone so that any test runner can run them. */
import { strict as assert } from 'node:assert';

/** `undefined`, `null` and `{}` all mean "no such session" in the backend contract. */
export function assertNoSession(record: unknown, label = 'record'): void {
  if (record === undefined || record === null) return;
  assert.deepEqual(withPlainPrototypes(record), {}, `${label}: expected no session, got a record`);
}

/**
 * Asserts that `actual` holds the same data as `expected`, strictly (`1` is not `'1'`), whatever the realm or
 * prototype of its plain objects: a backend may hand out null-prototype objects.
 */
export function assertSameRecord(actual: unknown, expected: unknown, label = 'record'): void {
  assert.deepEqual(withPlainPrototypes(actual), expected, label);
}

/** A copy of `value` whose plain objects (null-prototype or of another realm) are ordinary object literals. */
function withPlainPrototypes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withPlainPrototypes);
  if (typeof value !== 'object' || value === null) return value;
  const proto = Object.getPrototypeOf(value) as object | null;
  // Class instances (a Date, a Buffer) stay as they are, so that they never compare equal to plain data.
  if (proto !== null && Object.getPrototypeOf(proto) !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) copy[key] = withPlainPrototypes(child);
  return copy;
}
