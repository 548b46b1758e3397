/**
 * A session record as separate fields: one per top-level key, holding that key's JSON text. The merging stores
 * (InMemoryBackend, RedisBackend) keep records this way, so that requests changing different keys of one session
 * never overwrite each other; a key's value (however deeply nested) is written whole.
 */
import type { SessionRecord } from '../record';
import { parseSession } from './json';

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
export function fieldChanges(
  record: SessionRecord,
  keys: readonly string[] = Object.keys(record),
  removed: readonly string[] = [],
): FieldChanges {
  const set: string[] = [];
  const deleted = [...removed];
  for (const key of keys) {
    const text = Object.hasOwn(record, key) ? JSON.stringify(record[key]) : undefined;
    if (text === undefined) deleted.push(key);
    else set.push(key, text);
  }
  return { set, removed: deleted };
}

/**
 * The record whose fields are `fields` (field, JSON text, field, JSON text, ...), each text valid JSON; parsed once,
 * prototype keys stripped.
 */
export function recordFromFields(fields: readonly string[]): SessionRecord | undefined {
  return parseSession(fieldsText(fields));
}

/** The JSON object text whose fields are `fields` (field, JSON text, field, JSON text, ...). */
export function fieldsText(fields: readonly string[]): string {
  let text = '';
  for (let i = 0; i < fields.length; i += 2)
    text += `${i === 0 ? '{' : ','}${JSON.stringify(fields[i])}:${fields[i + 1]}`;
  return text === '' ? '{}' : `${text}}`;
}

/**
 * The record held in a flat HGETALL-style reply, or `undefined` when there is none or it is not ours: a field or
 * value that is not a string, or a value that is not JSON, means foreign or corrupt bytes, and that is no session.
 */
export function recordFromReply(reply: unknown): SessionRecord | undefined {
  if (!Array.isArray(reply) || reply.length === 0 || reply.length % 2 !== 0) return undefined;
  for (let i = 0; i < reply.length; i += 2) {
    const field: unknown = reply[i];
    const value: unknown = reply[i + 1];
    if (typeof field !== 'string' || typeof value !== 'string' || !isJson(value)) return undefined;
  }
  return recordFromFields(reply as string[]);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
