/**
 * ExpressSessionStoreBackend: any express-session store (connect-redis, connect-pg-simple, memorystore, ...) as a
 * SessionBackend, so apps can keep the store they already run.
 *
 * Typed structurally: express-session is neither imported nor required, not even for its types.
 */
import { SessionError } from '../errors';
import { isCookieValue } from '../http/cookie-octets';
import { isPlainObject } from '../serializers/json';
import type { SessionRecord } from '../record';
import { BackendContext, SessionBackend, createUnderFreeId } from './backend';

/** A Node-style callback, as express-session stores call them. */
export type ExpressSessionCallback = (error?: unknown, value?: unknown) => void;

/**
 * What {@link ExpressSessionStoreBackend} needs of an express-session store: its three required methods. A method
 * may call back, return a promise, or both.
 */
export interface ExpressSessionStore {
  get(sessionId: string, callback: ExpressSessionCallback): unknown;
  /** `session` is `object`, so that stores typed with @types/express-session's `SessionRecord` fit. */
  set(sessionId: string, session: object, callback: ExpressSessionCallback): unknown;
  destroy(sessionId: string, callback: ExpressSessionCallback): unknown;
}

/** The key express-session stores read the expiry from; it cannot hold session data here. */
const COOKIE_KEY = 'cookie';
const DEFAULT_TTL = 14 * 24 * 3600;

/**
 * A {@link SessionBackend} over an express-session-compatible store.
 *
 * Each record is stored whole with a `cookie` object like express-session's, from which the store computes its TTL
 * (`cookie.expires` for connect-redis and connect-pg-simple, `cookie.maxAge` in milliseconds for memorystore); the
 * `cookie` key is dropped again on read, so session data cannot use that name. Writes replace the record (last
 * writer wins: `ctx.changes` is ignored). Store errors fail the request with a 503; a store that never calls back is
 * ended by the `backendTimeout` option.
 *
 * @example
 * import { RedisStore } from 'connect-redis';
 * import { createClient } from 'redis';
 *
 * const client = createClient({ url: 'redis://127.0.0.1:6379' });
 * await client.connect();
 * configureSessions({ backend: new ExpressSessionStoreBackend(new RedisStore({ client, prefix: 'sess:' })) });
 */
export class ExpressSessionStoreBackend extends SessionBackend {
  // No touch(): a store's touch() renews only its TTL and keeps the old record (memorystore, express-session's
  // MemoryStore), so the library's metadata would go stale. Without touch() the middleware rewrites the record.

  constructor(readonly store: ExpressSessionStore) {
    super();
    if (!isExpressSessionStore(store)) {
      throw new SessionError(
        'INVALID_OPTION',
        'Invalid ExpressSessionStoreBackend store: expected an express-session store (get, set and destroy with ' +
          'callbacks), e.g. new RedisStore({ client })',
      );
    }
  }

  async read(sessionId: string): Promise<SessionRecord | undefined> {
    // Never issued (ids are cookie values), and not every store survives one: PostgreSQL refuses a NUL byte.
    if (!isCookieValue(sessionId)) return undefined;
    const record = await this.callStore('get', sessionId);
    if (record === undefined || record === null) return undefined;
    // Not a plain object: handed on as it is, so the middleware treats it as invalid data rather than as no session.
    if (!isPlainObject(record)) return record as SessionRecord;
    const { [COOKIE_KEY]: _cookie, ...data } = record as SessionRecord;
    return data;
  }

  /** Stores `data` whole (its `__session` metadata included) with an express-session `cookie` for the store's TTL. */
  async write(data: SessionRecord, sessionId?: string, ctx?: BackendContext): Promise<string> {
    if (Object.hasOwn(data, COOKIE_KEY)) {
      throw new SessionError(
        'RESERVED_KEY',
        'ExpressSessionStoreBackend cannot store a session key named "cookie": ' +
          'express-session stores keep the cookie there; rename the key',
      );
    }
    const ttlMs = (ctx?.ttl ?? DEFAULT_TTL) * 1000;
    // On the wall clock, not ctx.now: stores compare `expires` with their own clock (Date.now(), the database's).
    const expires = new Date(Date.now() + ttlMs);
    const cookie = { originalMaxAge: ttlMs, maxAge: ttlMs, expires, httpOnly: true, path: '/' };
    const record = { ...data, [COOKIE_KEY]: cookie };
    if (ctx?.isNew === true) {
      // Stores offer no create-if-absent: a read first, which leaves a race between two creations of one id.
      return createUnderFreeId(this, sessionId, async id => {
        if (await this.exists(id)) return false;
        await this.callStore('set', id, record);
        return true;
      });
    }
    const id = sessionId ?? this.generateId();
    await this.callStore('set', id, record);
    return id;
  }

  async remove(sessionId: string): Promise<void> {
    if (isCookieValue(sessionId)) await this.callStore('destroy', sessionId);
  }

  override async exists(sessionId: string): Promise<boolean> {
    const data = await this.read(sessionId);
    // `{}` is no session either (express-session itself stores a bare `{ cookie }` for an empty one), nor is what is
    // not a plain object: a new session may be created over them.
    return typeof data === 'object' && data !== null && Object.keys(data).length > 0;
  }

  /**
   * Calls a store method as a promise: the callback settles it; a returned promise settles it too when it rejects,
   * or when the method does not name the callback among its parameters (then a turn later, so that a callback on
   * the next turn, with the data or an error, is still heard).
   */
  private callStore(method: keyof ExpressSessionStore, ...args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const callback: ExpressSessionCallback = (error, value) => (error ? reject(error) : resolve(value));
      const call = this.store[method] as (...params: unknown[]) => unknown;
      const returned = call.apply(this.store, [...args, callback]) as PromiseLike<unknown> | undefined;
      if (typeof returned?.then !== 'function') return;
      // A method that declares the callback is heard through it: its promise may resolve before the store is done.
      // Only a rest-parameter wrapper (length 0) is settled by the promise, a turn later.
      const declaresCallback = call.length > args.length;
      returned.then(value => void (declaresCallback || setImmediate(resolve, value)), reject);
    });
  }
}

function isExpressSessionStore(value: unknown): value is ExpressSessionStore {
  const store = value as Partial<Record<keyof ExpressSessionStore, unknown>> | null;
  return (
    typeof store === 'object' &&
    store !== null &&
    typeof store.get === 'function' &&
    typeof store.set === 'function' &&
    typeof store.destroy === 'function'
  );
}
