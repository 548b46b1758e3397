/**
 * The contract every session store implements. Subclass {@link SessionBackend}, implement `read`, `write` and
 * `remove`, and pass the class (resolved from typedi) or an instance as the `backend` option.
 */
import type { Request } from 'express';
import { METADATA_KEY, type RecordMetadata, type SessionRecord } from '../record';
import { randomSessionId } from '../internal/session-id';

/** What the middleware tells a backend about the call. Times are in seconds. */
export interface BackendContext {
  /** The current time (unix seconds) by the configured clock: use it, not `Date.now()`, so tests can move time. */
  now: number;
  /**
   * The longest server-side lifetime a session may have, in seconds: the configured `lifetime`, or `maxLifetime`
   * when sessions may be given longer ones (`setLifetime()`). A record's own TTL is `ttl`.
   */
  lifetime: number;
  /** On `write`: how long this record must live from now, in seconds (>= 1). Use it as the store's TTL. */
  ttl: number;
  /** The request being served. */
  request?: Request;
  /**
   * @deprecated Since 0.3, removed in 0.4: return the record through {@link markForRewrite} instead. Still honoured:
   * set by `read`, it has the record written back even though its data did not change.
   */
  rewrite?: boolean;
  /**
   * On `write`: `true` when a new record is created (a new session, or the new id of `regenerate()`). It must never
   * overwrite a record that exists: when the id is taken, create under another from `generateId()` and return that
   * (see {@link createUnderFreeId}). `false` when an existing record is updated. A merging backend must
   * then write nothing if the record is gone: a logout (or expiry) that happened meanwhile wins over a slower
   * request on the same session.
   */
  isNew?: boolean;
  /**
   * On `write` of an existing record (`isNew: false`): the top-level keys that changed since the request read the
   * record (the metadata key included when it changed). A backend that stores keys separately writes only
   * `changes.changed` and deletes `changes.removed`, so concurrent requests that change different keys all keep
   * their changes. Absent when the whole record is written. Backends that store the record whole may ignore it.
   */
  changes?: SessionChanges;
}

/** Which top-level keys of a record a request changed: see {@link BackendContext.changes}. */
export interface SessionChanges {
  /** Keys set to a new value (present in the data passed to `write`). */
  readonly changed: readonly string[];
  /** Keys deleted (absent from the data passed to `write`). */
  readonly removed: readonly string[];
}

/**
 * A session store. The whole contract, as the middleware uses it:
 *
 * | method | receives | returns | must guarantee |
 * |---|---|---|---|
 * | `read` | an id from a cookie (any 1 to 4096 cookie-octets: never trust it) | the record, or `undefined`/`null`/`{}` | an expired record is never returned; a record to write back unchanged (re-sealed with a newer key) is returned through {@link markForRewrite} |
 * | `write` | the record (metadata under `__session`), the id or none, `ctx` | the id to put in the cookie | TTL `ctx.ttl`; `ctx.isNew`: create only if absent; `ctx.changes`: write only those keys, nothing if the record is gone |
 * | `remove` | an id | nothing | succeeds when there is no record |
 * | `touch?` | an id, the new metadata, `ctx` | nothing | metadata and TTL only; nothing if the record is gone |
 * | `generateId` | | a new id | at least 128 bits from the CSPRNG, cookie-safe |
 * | `exists` | an id | whether a record is stored | not called by the middleware; by default, a `read` |
 *
 * Errors a method throws (or a call past `backendTimeout`) fail the request with `SessionBackendError` (503).
 * `ctx` is optional everywhere, so a backend written against the first three methods alone keeps working. A backend
 * may offer more for apps (`RedisBackend.listUserSessions()`): the middleware calls only these.
 *
 * @example
 * @Service()
 * class MapBackend extends SessionBackend {
 *   private readonly records = new Map<string, SessionRecord>();
 *   async read(id: string) { return this.records.get(id); }
 *   async write(data: SessionRecord, id?: string) { id ??= this.generateId(); this.records.set(id, data); return id; }
 *   async remove(id: string) { this.records.delete(id); }
 * }
 */
export abstract class SessionBackend {
  /**
   * Whether {@link remove} really ends a session. `false` for stores that keep data in the cookie itself: a copy of
   * the cookie stays valid until it expires.
   */
  readonly revocable: boolean = true;

  /** The record stored under `sessionId`; `undefined`, `null` or `{}` when there is none (or it expired). */
  abstract read(sessionId: string, ctx?: BackendContext): Promise<SessionRecord | undefined | null>;

  /**
   * Stores `data` and returns the id to put in the cookie. Without `sessionId`, creates a new session
   * (use {@link generateId}); with one, stores under it. See {@link BackendContext} for `isNew` and `changes`.
   */
  abstract write(data: SessionRecord, sessionId?: string, ctx?: BackendContext): Promise<string>;

  /** Deletes the record; succeeds when there is none. */
  abstract remove(sessionId: string, ctx?: BackendContext): Promise<void>;

  /**
   * Optional: extends a record's life without rewriting its data, for rolling sessions and idle timeouts. Store
   * `metadata` as the record's `__session` key and set its time to live to `ctx.ttl` seconds; do
   * nothing if the record is gone. Without it, the middleware rewrites the whole record instead.
   */
  touch?(sessionId: string, metadata: RecordMetadata, ctx: BackendContext): Promise<void>;

  /**
   * Whether a record is stored under `sessionId`. The middleware never calls it; it is here for apps and tests. By
   * default it reads the record: override it where the store can tell more cheaply.
   */
  async exists(sessionId: string, ctx?: BackendContext): Promise<boolean> {
    const record = await this.read(sessionId, ctx);
    return record != null && Object.keys(record).length > 0;
  }

  /** A new session id: at least 128 bits from the CSPRNG, cookie-safe. Override to change the format. */
  generateId(): string {
    return randomSessionId();
  }
}

/** The mark of {@link markForRewrite}: registered, so that a backend built on another copy of the library marks alike. */
const REWRITE = Symbol.for('routing-controllers-sessions.rewrite');

/**
 * Marks a record that `read()` returns as one to write back even if the request changes nothing: say, a value
 * opened with an older key, to be sealed again with the newest. Returns `record`; the mark is not part of its data.
 *
 * @example
 * async read(id: string) { const { record, keyIndex } = this.open(id); return keyIndex > 0 ? markForRewrite(record) : record; }
 */
export function markForRewrite<T extends SessionRecord>(record: T): T {
  Object.defineProperty(record, REWRITE, { value: true, configurable: true });
  return record;
}

/** Whether `record` carries the mark of {@link markForRewrite}. */
export function isMarkedForRewrite(record: unknown): boolean {
  return typeof record === 'object' && record !== null && (record as Record<symbol, unknown>)[REWRITE] === true;
}

/** How many taken ids `generateId()` may give in a row before creating a session fails. */
const CREATE_ATTEMPTS = 5;

/**
 * Creates a new session's record under `first` (or a fresh id) with `create`, which answers false when that id is
 * already stored and then writes nothing; tries fresh ids from `generateId()` until one is free. Returns the id used.
 * So a weak custom generator never hands one visitor another's record. For backends that create records.
 */
export async function createUnderFreeId(
  backend: SessionBackend,
  first: string | undefined,
  create: (id: string) => boolean | Promise<boolean>,
): Promise<string> {
  const generate = () => newSessionId(backend);
  let id = first ?? generate();
  for (let attempt = 1; !(await create(id)); attempt++) {
    if (attempt >= CREATE_ATTEMPTS)
      throw new Error(`generateId() gave ${CREATE_ATTEMPTS} ids in a row that are already stored`);
    id = generate();
  }
  return id;
}

/** A new id from `backend`; a structural backend (the methods, not a subclass) may have no `generateId()`. */
export function newSessionId(backend: SessionBackend): string {
  return typeof backend.generateId === 'function' ? backend.generateId() : randomSessionId();
}

/** True for a {@link SessionBackend} instance or an object with its required methods. */
export function isSessionBackend(value: unknown): value is SessionBackend {
  if (value instanceof SessionBackend) return true;
  const candidate = value as Partial<Record<keyof SessionBackend, unknown>> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.read === 'function' &&
    typeof candidate.write === 'function' &&
    typeof candidate.remove === 'function'
  );
}

/** Time to live of a record written without a ctx and without metadata: the default lifetime, 14 days. */
const DEFAULT_TTL = 14 * 24 * 3600;

/**
 * How many seconds a record written now must live: `ctx.ttl` from the middleware; for a direct call, what the
 * record's own metadata leaves, else 14 days.
 */
export function ttlOf(data: SessionRecord, ctx: BackendContext | undefined): number {
  if (ctx?.ttl !== undefined) return ctx.ttl;
  const expires = (data[METADATA_KEY] as Partial<RecordMetadata> | undefined)?.expires;
  return typeof expires === 'number' && Number.isFinite(expires) ? expires - contextNow(ctx) : DEFAULT_TTL;
}

/**
 * A write whose record has no time left (a TTL under 1 second): nothing is kept, and an existing record is removed;
 * returns the id. A new session's offered id is left alone: it may be someone else's.
 */
export async function writeNothing(
  backend: SessionBackend,
  sessionId: string | undefined,
  ctx: BackendContext | undefined,
): Promise<string> {
  const id = sessionId ?? newSessionId(backend);
  if (ctx?.isNew !== true) await backend.remove(id, ctx);
  return id;
}

/** The time of `ctx` in unix seconds, or the wall clock when a backend is called without one. */
export function contextNow(ctx: BackendContext | undefined): number {
  return Math.floor(ctx?.now ?? Date.now() / 1000);
}
