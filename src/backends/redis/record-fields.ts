/**
 * A session record as the fields of a Redis hash: one field per top-level key, holding that key's JSON text. Keys are
 * stored separately so that requests changing different keys of one session never overwrite each other; a key's
 * value (however deeply nested) is written whole.
 */
import { parseSession } from '../../serializers/json';
import type { SessionData } from '../../session/session-data';

/** Fields to set and fields to delete. */
export interface FieldChanges {
  /** Field, JSON text, field, JSON text, ... */
  readonly set: string[];
  readonly removed: string[];
}

/**
 * The fields for `keys` of `record` (all its keys when `keys` is absent), and those of `removed`. A key whose value
 * has no JSON form (`undefined`, a function) is deleted, as `JSON.stringify` would drop it from the whole record.
 */
export function fieldChanges(record: SessionData, keys: readonly string[] = Object.keys(record), removed: readonly string[] = []): FieldChanges {
  const set: string[] = [];
  const deleted = [...removed];
  for (const key of keys) {
    const text = Object.prototype.hasOwnProperty.call(record, key) ? JSON.stringify(record[key]) : undefined;
    if (text === undefined) deleted.push(key);
    else set.push(key, text);
  }
  return { set, removed: deleted };
}

/**
 * The record held in a flat HGETALL reply (field, value, field, value, ...), or `undefined` when there is none or it
 * is not ours: a value that is not JSON means the key holds foreign or corrupt bytes, and that is no session.
 */
export function recordFromFields(reply: unknown): SessionData | undefined {
  if (!Array.isArray(reply) || reply.length === 0 || reply.length % 2 !== 0) return undefined;
  const members: string[] = [];
  for (let i = 0; i < reply.length; i += 2) {
    const field: unknown = reply[i];
    const value: unknown = reply[i + 1];
    if (typeof field !== 'string' || typeof value !== 'string' || !isJson(value)) return undefined;
    members.push(`${JSON.stringify(field)}:${value}`);
  }
  // Each value is valid JSON on its own, so the joined text is one object; parseSession strips prototype keys.
  return parseSession(`{${members.join(',')}}`);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
