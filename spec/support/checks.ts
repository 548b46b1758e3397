/** Small checks several specs share. */
import { expect } from 'chai';

/** What `run` throws, or undefined when it returns. */
export function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** undefined, null and {} all mean "no such session" in the backend contract. */
export function expectNoSession(record: unknown, label = 'record'): void {
  if (record === undefined || record === null) return;
  expect(record, `${label} should be empty`).to.be.an('object').that.deep.equals({});
}

/** Merges like a careless deep-merge helper would: how a `__proto__` key left in session data would do harm. */
export function naiveMerge(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (typeof value === 'object' && value !== null) {
      target[key] ??= {};
      naiveMerge(target[key] as Record<string, unknown>, value as Record<string, unknown>);
    } else {
      target[key] = value;
    }
  }
}

/** True when something was written onto Object.prototype. */
export function isPolluted(): boolean {
  return (
    ({} as Record<string, unknown>).polluted !== undefined ||
    Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')
  );
}
