/**
 * `SessionBackend.write` for stores that keep one row per session (PostgreSQL, SQLite): the choice among the four
 * writes `ctx` asks for is the same for all of them, so they supply only the statements.
 */
import type { SessionRecord } from '../record';
import { type FieldChanges, fieldChanges } from '../serializers/record-fields';
import { stringifySession } from '../serializers/json';
import {
  type BackendContext,
  type SessionBackend,
  contextNow,
  createUnderFreeId,
  newSessionId,
  ttlOf,
  writeNothing,
} from './backend';

/** The statements of a row store; `text` is the record's JSON, `expires` and `now` unix seconds. */
export interface RowWrites {
  /** A new session: create the row only where no live one is; false when the id is taken. */
  create(id: string, text: string, expires: number, now: number): boolean | Promise<boolean>;
  /** A direct call, without the middleware: replace whatever is stored. */
  upsert(id: string, text: string, expires: number): unknown;
  /** An update of the keys a request changed; nothing when the row is gone. */
  merge(id: string, changes: FieldChanges, expires: number, now: number): unknown;
  /** An update of the whole record; nothing when the row is gone. */
  replaceExisting(id: string, text: string, expires: number, now: number): unknown;
}

/** Writes `data` the way `ctx` asks (see {@link BackendContext}) and returns the id it is stored under. */
export async function writeRow(
  backend: SessionBackend,
  data: SessionRecord,
  sessionId: string | undefined,
  ctx: BackendContext | undefined,
  writes: RowWrites,
): Promise<string> {
  const ttl = ttlOf(data, ctx);
  if (!(ttl >= 1)) return writeNothing(backend, sessionId, ctx);
  const now = contextNow(ctx);
  const expires = now + Math.ceil(ttl);
  if (ctx?.isNew === true) {
    const text = stringifySession(data);
    return createUnderFreeId(backend, sessionId, id => writes.create(id, text, expires, now));
  }
  const id = sessionId ?? newSessionId(backend);
  if (ctx?.isNew !== false) await writes.upsert(id, stringifySession(data), expires);
  else if (ctx.changes === undefined) await writes.replaceExisting(id, stringifySession(data), expires, now);
  else await writes.merge(id, fieldChanges(data, ctx.changes.changed, ctx.changes.removed), expires, now);
  return id;
}
