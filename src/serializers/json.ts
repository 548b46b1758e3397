/**
 * Prototype-safe JSON for session records.
 *
 * `JSON.parse` keeps a `"__proto__"` key as an own property; code that later merges such an object
 * (`Object.assign`, deep-merge helpers) would then replace a prototype. Those keys, and `constructor` objects that
 * carry a `prototype`, are removed here, at the only place where untrusted text becomes session data.
 */
import type { SessionRecord } from '../record';

/** The text of `data` as stored; `undefined` values and functions are dropped, as by `JSON.stringify`. */
export function stringifySession(data: object): string {
  return JSON.stringify(data);
}

/**
 * The object encoded by `text`, or `undefined` when `text` is not JSON or not a plain object
 * (arrays, `null` and scalars are not session records).
 */
export function parseSession(text: string): SessionRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  // A cheap scan first: almost no record mentions these keys (or escapes that could spell them), so almost none is
  // walked.
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) removeDangerousKeys(value);
  return value;
}

/**
 * True for an object literal or a null-prototype object, of any realm (a `vm` context's too): not an array, a
 * Buffer, a typed array, a Map or another class's instance.
 */
export function isPlainObject(value: unknown): value is SessionRecord {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** How deep a record may nest: deeper JSON is foreign data, not a session. */
export const MAX_DEPTH = 512;

/**
 * Whether the JSON `text` nests objects and arrays deeper than {@link MAX_DEPTH}. Texts with fewer brackets than
 * that are passed at the cost of a native count; only the rest are walked, with strings skipped.
 */
export function isNestedTooDeep(text: string): boolean {
  if (text.length <= 2 * MAX_DEPTH || countOpenings(text) <= MAX_DEPTH) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 34) {
      // A string: skip to its closing quote, past escapes.
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
    } else if (code === 123 || code === 91) {
      if (++depth > MAX_DEPTH) return true;
    } else if (code === 125 || code === 93) {
      depth--;
    }
  }
  return false;
}

function countOpenings(text: string): number {
  let count = 0;
  for (const bracket of ['{', '['])
    for (let at = text.indexOf(bracket); at !== -1; at = text.indexOf(bracket, at + 1)) count++;
  return count;
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
