/**
 * The session of one request: `req.session` is a Proxy over the data, and {@link SessionState} is its handler.
 *
 * The proxy makes data plain properties (`req.session.userId = 7`, `Object.keys`, `JSON.stringify` see data only)
 * while guarding them until the session is loaded, and reserving the member names. Nothing happens per request
 * until `load()`: routes that never touch the session pay for two small allocations and no I/O.
 *
 * Change tracking compares JSON text: the data's JSON when loaded against its JSON when the response starts, so
 * in-place changes of nested objects count and an assignment of an equal value does not.
 */
import type { Request, Response } from 'express';
import { BackendContext, SessionBackend } from '../backends/backend';
import { BackendOperation, SessionBackendError, SessionError, SessionNotLoaded, SessionValidationError } from '../errors';
import { readCookie } from '../internal/cookie-header';
import { MAX_COOKIE_BYTES, isCookieValue } from '../internal/cookie-octets';
import { isUnderPath, requestPath } from '../internal/paths';
import { holdResponse, responseStarted } from '../internal/response-hold';
import { randomSessionId } from '../internal/session-id';
import type { SessionConfig } from '../options';
import { isPlainRecord, parseSession, stringifySession } from '../serializers/json';
import { METADATA_KEY, RESERVED_KEYS, Session, SessionData } from './session-data';

/** What a record keeps besides the data (unix seconds). */
interface SessionMetadata {
  created: number;
  expires: number;
}

const EMPTY = '{}';
/** How `SessionState.of()` finds the state behind a session proxy: one property on the request, not two. */
const STATE = Symbol('routing-controllers-sessions state');

/** Members readable before the session is loaded. */
const MEMBERS = new Set(['load', 'isLoaded', 'id', 'regenerate', 'destroy', 'then']);

/** The session state of one request, and the Proxy handler behind `req.session`. */
export class SessionState implements ProxyHandler<SessionData> {
  /** `req.session`. */
  readonly session: Session;
  private readonly data: SessionData;
  /** Created when the session loads: a request that never loads it allocates nothing more. */
  private ctx!: BackendContext;
  private loaded = false;
  private loading: Promise<void> | undefined;
  /** The cookie value the request carried, if well-formed; read when the session loads. */
  private requestCookie: string | undefined;
  /** The id in use: the backend's record, or a regenerated id not yet written. */
  private sessionId: string | undefined;
  /** A record exists under `sessionId`. */
  private stored = false;
  /** The data's JSON as loaded (or last committed): the baseline for change tracking. */
  private baseline = EMPTY;
  private metadata!: SessionMetadata;
  /** The record the request's cookie pointed to is gone (destroyed, regenerated, expired): clear that cookie. */
  private cookieEnded = false;
  /** `regenerate()` was called: the cookie is sent again even if its value happens to be the same. */
  private regenerated = false;
  private members: { load(): Promise<void>; regenerate(): Promise<void>; destroy(): Promise<void> } | undefined;
  /** `regenerate()` / `destroy()` calls in flight: the commit waits for them, awaited by the handler or not. */
  private operations: Promise<void>[] | undefined;

  constructor(
    readonly config: SessionConfig,
    private readonly request: Request,
    private readonly response: Response,
  ) {
    this.data = config.schema?.createTarget() ?? {};
    this.session = new Proxy(this.data, this) as Session;
  }

  // ---- Proxy traps: data as properties, guarded until loaded ----

  /** The state behind `session` when it is one of ours (of any configuration), otherwise undefined. */
  static of(session: unknown): SessionState | undefined {
    return typeof session === 'object' && session !== null ? ((session as Record<symbol, unknown>)[STATE] as SessionState | undefined) : undefined;
  }

  get(target: SessionData, key: string | symbol): unknown {
    if (typeof key === 'symbol') return key === STATE ? this : Reflect.get(target, key);
    if (MEMBERS.has(key)) return this.member(key);
    if (!this.loaded) throw new SessionNotLoaded(key);
    return target[key];
  }

  set(target: SessionData, key: string | symbol, value: unknown): boolean {
    this.assertWritable(key);
    target[key as string] = value;
    return true;
  }

  deleteProperty(target: SessionData, key: string | symbol): boolean {
    this.assertWritable(key);
    return delete target[key as string];
  }

  defineProperty(target: SessionData, key: string | symbol, descriptor: PropertyDescriptor): boolean {
    this.assertWritable(key);
    return Reflect.defineProperty(target, key, descriptor);
  }

  has(target: SessionData, key: string | symbol): boolean {
    if (typeof key === 'string' && MEMBERS.has(key)) return true;
    if (typeof key === 'string' && !this.loaded) throw new SessionNotLoaded(key);
    return Reflect.has(target, key);
  }

  ownKeys(target: SessionData): ArrayLike<string | symbol> {
    if (!this.loaded) throw new SessionNotLoaded();
    return Reflect.ownKeys(target);
  }

  getOwnPropertyDescriptor(target: SessionData, key: string | symbol): PropertyDescriptor | undefined {
    if (typeof key === 'string' && !this.loaded) throw new SessionNotLoaded(key);
    return Reflect.getOwnPropertyDescriptor(target, key);
  }

  private assertWritable(key: string | symbol): void {
    if (typeof key === 'symbol' || RESERVED_KEYS.has(key)) {
      throw new SessionError('RESERVED_KEY', `"${String(key)}" is reserved by the session and cannot hold data`);
    }
    if (!this.loaded) throw new SessionNotLoaded(key);
  }

  private member(key: string): unknown {
    switch (key) {
      case 'isLoaded':
        return this.loaded;
      case 'id':
        return this.loaded ? this.sessionId : undefined;
      case 'then':
        return undefined; // not a thenable: `await req.session` and returning it from a handler stay harmless
      default:
        this.members ??= {
          load: () => this.load(),
          regenerate: () => this.regenerate(),
          destroy: () => this.destroy(),
        };
        return this.members[key as 'load' | 'regenerate' | 'destroy'];
    }
  }

  // ---- Members ----

  /**
   * Reads the session once; concurrent calls share the read. A failed read can be retried. The response is held
   * from here on, so one that starts while the backend is read still waits for the commit.
   */
  load(): Promise<void> {
    if (this.loaded) return Promise.resolve();
    if (this.loading === undefined) {
      if (responseStarted(this.response)) return Promise.reject(loadedTooLate());
      holdResponse(this.response, status => this.commit(status), error => this.config.onError?.(error as Error, this.request));
      const lifetime = this.config.serverLifetime;
      this.ctx ??= { now: 0, lifetime, ttl: lifetime, request: this.request };
      this.loading = this.read().finally(() => (this.loading = undefined));
    }
    return this.loading;
  }

  regenerate(): Promise<void> {
    return this.track(async () => {
      await this.load();
      await this.removeStored();
      this.sessionId = await this.call('write', async () => newSessionId(this.config.backend));
      this.regenerated = true;
    });
  }

  destroy(): Promise<void> {
    return this.track(async () => {
      await this.load();
      for (const key of Object.keys(this.data)) delete this.data[key];
      await this.removeStored();
    });
  }

  private track(operation: () => Promise<void>): Promise<void> {
    const running = operation();
    (this.operations ??= []).push(running);
    // Not awaited by the handler, a failure still fails the commit (503) rather than the process.
    running.catch(ignore);
    return running;
  }

  private async read(): Promise<void> {
    const now = this.refreshClock();
    const cookie = readCookie(this.request.headers.cookie, this.config.cookie.name);
    this.requestCookie = cookie;
    const record = cookie === undefined ? undefined : await this.call('read', () => this.config.backend.read(cookie, this.ctx));
    const metadata = isPlainRecord(record) ? readMetadata(record[METADATA_KEY]) : undefined;
    // A record that is not an object at all (an array, a scalar) is invalid data, not "no session".
    const text = isPlainRecord(record) ? stringifySession(withoutMetadata(record)) : record == null ? EMPTY : 'null';
    this.metadata = this.freshMetadata(now);
    if (text !== EMPTY) {
      // The cookie names a record: adopt it, then drop it if it expired or fails the schema.
      this.sessionId = cookie;
      this.stored = true;
      const data = metadata !== undefined && metadata.expires <= now ? undefined : await this.validate(parseSession(text));
      if (data === undefined) {
        // Expired on the server whatever the cookie said, or invalid: delete it, never extend it.
        await this.removeStored();
      } else {
        for (const key of RESERVED_KEYS) delete data[key]; // a foreign record may use member names
        Object.assign(this.data, data);
        this.baseline = this.config.schema === undefined ? text : this.serialize();
        this.metadata = metadata ?? this.metadata; // a record without metadata counts as created now
      }
    }
    this.loaded = true;
  }

  /**
   * The data as an instance of the schema; `undefined` when it is not an object or fails the schema under the
   * 'reset' policy (the default, and the only one without a schema).
   */
  private async validate(data: SessionData | undefined): Promise<SessionData | undefined> {
    const schema = this.config.schema;
    if (schema === undefined) return data;
    const result = data === undefined ? { issues: [] } : await schema.load(data);
    if ('instance' in result) return result.instance;
    if (schema.onInvalid === 'reset') return undefined;
    throw new SessionValidationError(400, `The stored session fails ${schema.type.name}; see \`errors\``, result.issues);
  }

  /** The data's JSON text, as stored (through the schema's class-transformer options when there is one). */
  private serialize(): string {
    const schema = this.config.schema;
    return stringifySession(schema === undefined ? this.data : schema.toPlain(this.data));
  }

  // ---- Commit: runs when the response starts; returns the Set-Cookie value, if any ----

  private async commit(status: number): Promise<string | undefined> {
    const config = this.config;
    // A load, regenerate() or destroy() the handler did not await still decides what is saved.
    if (this.loading !== undefined) await this.loading.catch(ignore);
    if (this.operations !== undefined) await Promise.all(this.operations);
    if (!this.loaded) return undefined;
    if (status >= 500 && !config.commitOnServerError) return undefined;
    // The browser would not keep a cookie for a path it would never send it to.
    if (!isUnderPath(requestPath(this.request), config.cookie.path)) return undefined;
    // Serialised now, synchronously: later changes (after a stream's first byte) are not part of this commit.
    const text = this.serialize();
    const now = this.refreshClock();

    if (text === EMPTY) {
      if (this.stored) await this.removeStored();
      return this.cookieEnded && this.requestCookie !== undefined ? config.setCookie.clear(this.secure()) : undefined;
    }
    const created = this.metadata.created;
    const expires = config.rolling ? now + config.serverLifetime : this.metadata.expires;
    const rewrite = !this.stored || text !== this.baseline || expires !== this.metadata.expires || this.ctx.rewrite === true;
    if (!rewrite) return undefined;
    if (expires - now < 1) {
      // At or past expiry: delete, never write with a TTL <= 0.
      if (this.stored) await this.removeStored();
      return this.requestCookie !== undefined ? config.setCookie.clear(this.secure()) : undefined;
    }

    const record = parseSession(text) as SessionData;
    if (config.schema?.beforeSave) await config.schema.checkBeforeSave(record);
    record[METADATA_KEY] = { created, expires } satisfies SessionMetadata;
    this.ctx.ttl = expires - now;
    const id = await this.call('write', () => config.backend.write(record, this.sessionId, this.ctx));
    this.checkCookieValue(id);
    const cookieChanged =
      id !== this.requestCookie || this.regenerated || (config.lifetime > 0 && expires !== this.metadata.expires);
    this.sessionId = id;
    this.stored = true;
    this.baseline = text;
    this.metadata = { created, expires };
    if (!cookieChanged) return undefined;
    return config.setCookie.session(id, this.secure(), now, config.lifetime > 0 ? expires - now : undefined);
  }

  private async removeStored(): Promise<void> {
    if (this.stored && this.sessionId !== undefined) {
      const id = this.sessionId;
      await this.call('remove', () => this.config.backend.remove(id, this.ctx));
    }
    this.stored = false;
    this.sessionId = undefined;
    this.baseline = EMPTY;
    if (this.requestCookie !== undefined) this.cookieEnded = true;
  }

  private freshMetadata(now: number): SessionMetadata {
    return { created: now, expires: now + this.config.serverLifetime };
  }

  private refreshClock(): number {
    return (this.ctx.now = this.config.now());
  }

  private secure(): boolean {
    const secure = this.config.cookie.secure;
    return secure === 'auto' ? this.request.secure : secure;
  }

  private checkCookieValue(id: unknown): asserts id is string {
    const size = typeof id === 'string' ? this.config.cookie.name.length + 1 + id.length : 0;
    if (size > MAX_COOKIE_BYTES) {
      throw new SessionError(
        'COOKIE_TOO_LARGE',
        `The session cookie would be ${size} bytes, but browsers keep at most ${MAX_COOKIE_BYTES}: ` +
          'store less in the session, or use a server-side backend such as InMemoryBackend',
      );
    }
    if (typeof id !== 'string' || !isCookieValue(id)) {
      throw new SessionError(
        'INVALID_SESSION_ID',
        'The backend returned a session id that cannot be a cookie value: expected 1 to 4096 RFC 6265 cookie-octets ' +
          '(letters, digits and most punctuation; no spaces, commas, semicolons, quotes or backslashes)',
      );
    }
  }

  /** Runs a backend call; whatever it throws becomes a SessionBackendError (503), except this library's own errors. */
  private async call<T>(operation: BackendOperation, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof SessionError || error instanceof SessionBackendError) throw error;
      throw new SessionBackendError(operation, { cause: error });
    }
  }
}

function ignore(): void {}

function loadedTooLate(): SessionError {
  return new SessionError(
    'LOADED_TOO_LATE',
    'The session was loaded after the response started, so its changes could not be saved: load it before responding',
  );
}

function readMetadata(value: unknown): SessionMetadata | undefined {
  if (!isPlainRecord(value)) return undefined;
  const { created, expires } = value;
  return Number.isInteger(created) && Number.isInteger(expires) ? { created: created as number, expires: expires as number } : undefined;
}

function withoutMetadata(record: SessionData): SessionData {
  if (!(METADATA_KEY in record)) return record;
  const { [METADATA_KEY]: _metadata, ...data } = record;
  return data;
}

function newSessionId(backend: SessionBackend): string {
  return typeof backend.generateId === 'function' ? backend.generateId() : randomSessionId();
}
