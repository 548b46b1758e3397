/**
 * Prototype-safe JSON for session records.
 *
 * `JSON.parse` keeps a `"__proto__"` key as an own property; code that later merges such an object
 * (`Object.assign`, deep-merge helpers) would then replace a prototype. Those keys, and `constructor` objects that
 * carry a `prototype`, are removed here, at the only place where untrusted text becomes session data.
 */
import type { SessionData } from '../session/session-data';

/** The text of `data` as stored; `undefined` values and functions are dropped, as by `JSON.stringify`. */
export function stringifySession(data: object): string {
  return JSON.stringify(data);
}

/**
 * The object encoded by `text`, or `undefined` when `text` is not JSON or not a plain object
 * (arrays, `null` and scalars are not session records).
 */
export function parseSession(text: string): SessionData | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainRecord(value)) return undefined;
  // A cheap scan first: almost no record mentions these keys (or escapes that could spell them), so almost none is
  // walked.
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) removeDangerousKeys(value);
  return value;
}

/** True for a non-null, non-array object. */
export function isPlainRecord(value: unknown): value is SessionData {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for an object literal (or a null-prototype object): not a Buffer, a typed array or another class. */
export function isPlainObject(value: unknown): value is SessionData {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Walks with a stack of its own, not recursion: foreign JSON nested thousands of levels deep is no stack overflow. */
function removeDangerousKeys(root: object): void {
  const pending: object[] = [root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const child = record[key];
      const isObject = typeof child === 'object' && child !== null;
      if (key === '__proto__' || (key === 'constructor' && isObject && 'prototype' in child)) delete record[key];
      else if (isObject) pending.push(child);
    }
  }
}
