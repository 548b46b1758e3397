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
import { BackendContext, SessionBackend, SessionChanges } from '../backends/backend';
import { BackendOperation, SessionBackendError, SessionError, SessionNotLoaded, SessionValidationError } from '../errors';
import { readCookie } from '../http/cookie-header';
import { MAX_COOKIE_BYTES, isCookieValue } from '../http/cookie-octets';
import { isUnderPath, requestPath } from '../http/paths';
import { withDeadline } from '../internal/deadline';
import { debug } from '../internal/debug';
import { holdResponse, responseStarted } from '../http/response-hold';
import { warnIfInsecureTransport } from '../http/insecure-transport';
import { randomSessionId } from '../internal/session-id';
import type { SessionConfig } from '../options/resolve-options';
import { isNestedTooDeep, isPlainObject, MAX_DEPTH, parseSession, stringifySession } from '../serializers/json';
import { enforcedMetadata, isAlive, newMetadata, refreshMetadata, type ExpiryPolicy } from './expiry';
import { MEMBER_NAMES, RESERVED_KEYS, type RegenerateOptions, type Session, type SessionCallback, type SessionMembers, type SessionMeta } from './types';
import { METADATA_KEY, type SessionRecord, type RecordMetadata } from '../record';

const EMPTY = '{}';
/** How `SessionState.of()` finds the state behind a session proxy: one property on the request, not two. */
const STATE = Symbol('routing-controllers-sessions state');

/** Members readable before the session is loaded. */
const MEMBERS: ReadonlySet<string> = new Set(MEMBER_NAMES);

type Members = Pick<SessionMembers, 'load' | 'regenerate' | 'destroy' | 'save' | 'reload' | 'touch'>;

/** The session state of one request, and the Proxy handler behind `req.session`. */
export class SessionState implements ProxyHandler<SessionRecord> {
  /** `req.session`. */
  readonly session: Session;
  private readonly data: SessionRecord;
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
  private metadata!: RecordMetadata;
  /** The record the request's cookie pointed to is gone (destroyed, regenerated, expired): clear that cookie. */
  private cookieEnded = false;
  /** `regenerate()` was called: the cookie is sent again even if its value happens to be the same. */
  private regenerated = false;
  /** The read failed and `onBackendFailure: 'degrade'` gave an anonymous session instead: nothing can be saved. */
  private degraded = false;
  /** `touch()` was called: this request refreshes a rolling or idle-timed session even within `touchAfter`. */
  private touched = false;
  /** The Set-Cookie value this request sends: decided by `save()`, and again by the commit. */
  private outgoingCookie: string | undefined;
  private members: Members | undefined;
  /**
   * The last of the member calls (`regenerate()`, `save()`...), which run one after another: the commit waits for it,
   * awaited by the handler or not. A call that fails fails every later one, and the commit.
   */
  private queue: Promise<void> | undefined;

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

  get(target: SessionRecord, key: string | symbol): unknown {
    if (typeof key === 'symbol') return key === STATE ? this : Reflect.get(target, key);
    if (MEMBERS.has(key)) return this.member(key);
    if (!this.loaded) throw new SessionNotLoaded(key);
    return target[key];
  }

  set(target: SessionRecord, key: string | symbol, value: unknown): boolean {
    this.assertWritable(key);
    target[key as string] = value;
    return true;
  }

  deleteProperty(target: SessionRecord, key: string | symbol): boolean {
    this.assertWritable(key);
    return delete target[key as string];
  }

  defineProperty(target: SessionRecord, key: string | symbol, descriptor: PropertyDescriptor): boolean {
    this.assertWritable(key);
    return Reflect.defineProperty(target, key, descriptor);
  }

  has(target: SessionRecord, key: string | symbol): boolean {
    if (typeof key === 'string' && MEMBERS.has(key)) return true;
    if (typeof key === 'string' && !this.loaded) throw new SessionNotLoaded(key);
    return Reflect.has(target, key);
  }

  ownKeys(target: SessionRecord): ArrayLike<string | symbol> {
    if (!this.loaded) throw new SessionNotLoaded();
    return Reflect.ownKeys(target);
  }

  getOwnPropertyDescriptor(target: SessionRecord, key: string | symbol): PropertyDescriptor | undefined {
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
      case 'meta':
        return this.loaded ? this.meta() : undefined;
      case 'then':
        return undefined; // not a thenable: `await req.session` and returning it from a handler stay harmless
      default:
        this.members ??= {
          load: () => this.load(),
          regenerate: (options?: RegenerateOptions | SessionCallback, callback?: SessionCallback) =>
            typeof options === 'function' ? withCallback(this.regenerate(), options) : withCallback(this.regenerate(options), callback),
          destroy: (callback?: SessionCallback) => withCallback(this.destroy(), callback),
          save: (callback?: SessionCallback) => withCallback(this.save(), callback),
          reload: (callback?: SessionCallback) => withCallback(this.reload(), callback),
          touch: () => this.touch(),
        };
        return this.members[key as keyof Members];
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

  /**
   * New id, data kept, old record removed now; the session counts as begun now (absolute timeout, `isRevoked`),
   * unless `keepCreatedAt`: then the id rotates and the creation time, with its absolute deadline, stays.
   */
  regenerate(options?: RegenerateOptions | null): Promise<void> {
    return this.track(async () => {
      await this.load();
      this.assertSavable('write');
      const previous = this.metadata;
      await this.removeStored();
      this.sessionId = newSessionId(this.config.backend);
      const now = this.refreshClock();
      this.metadata = options?.keepCreatedAt === true ? refreshMetadata(this.config, previous, now, true) : newMetadata(this.config, now);
      this.regenerated = true;
    });
  }

  destroy(): Promise<void> {
    return this.track(async () => {
      await this.load();
      this.assertSavable('remove');
      this.clearData();
      await this.removeStored();
      this.metadata = newMetadata(this.config, this.refreshClock());
    });
  }

  /**
   * Writes the session now, rather than when the response starts; the cookie still goes out with the response, and
   * the commit writes only what changed since. Nothing to do for a session that was never loaded. After the response
   * started, it rejects (`SAVED_TOO_LATE`): the commit has already decided what is saved.
   */
  save(): Promise<void> {
    if (!this.loaded && this.loading === undefined) return Promise.resolve();
    if (responseStarted(this.response)) return refused(changedTooLate('save'));
    // Called before the response started, it runs before the commit, which waits for it.
    return this.track(async () => {
      await this.load();
      await this.persist();
    });
  }

  /** Drops this request's unsaved changes and reads the session again from the backend. */
  reload(): Promise<void> {
    if (responseStarted(this.response)) return refused(loadedTooLate());
    return this.track(async () => {
      await this.load();
      const id = this.stored ? this.sessionId : undefined;
      this.clearData();
      this.stored = false;
      this.sessionId = undefined;
      this.baseline = EMPTY;
      this.metadata = newMetadata(this.config, this.refreshClock());
      if (id !== undefined) await this.adopt(id, this.ctx.now);
    });
  }

  /** Counts this request as activity even within `touchAfter`: a rolling or idle-timed session is refreshed. */
  touch(): Promise<void> {
    if (responseStarted(this.response)) return refused(changedTooLate('touch'));
    return this.track(async () => {
      await this.load();
      this.touched = true;
    });
  }

  /** The lifecycle as it will be after this request, were it committed now. */
  private meta(): SessionMeta {
    const now = this.config.now();
    const writing = this.stored && this.serialize() !== this.baseline;
    return toMeta(this.config, refreshMetadata(this.config, this.metadata, now, writing || this.touched), now, this.degraded);
  }

  private track(operation: () => Promise<void>): Promise<void> {
    // The first call starts at once, so that its load() holds a response the handler starts right after it.
    const running = this.queue === undefined ? operation() : this.queue.then(operation);
    this.queue = running;
    // Not awaited by the handler, a failure still fails the commit (503) rather than the process.
    running.catch(ignore);
    return running;
  }

  private clearData(): void {
    for (const key of Object.keys(this.data)) delete this.data[key];
  }

  private async read(): Promise<void> {
    const now = this.refreshClock();
    const cookie = readCookie(this.request.headers.cookie, this.config.cookie.name);
    this.requestCookie = cookie;
    this.metadata = newMetadata(this.config, now);
    try {
      if (cookie !== undefined) await this.adopt(cookie, now);
    } catch (error) {
      if (!(this.config.degrade && error instanceof SessionBackendError)) throw error;
      // The user's record may be fine: keep the cookie, hand out an anonymous session that cannot be saved.
      this.degraded = true;
      this.sessionId = undefined;
      this.stored = false;
    }
    this.loaded = true;
  }

  /** Reads the record `cookie` names and takes its data, unless it expired, fails the schema or was revoked. */
  private async adopt(cookie: string, now: number): Promise<void> {
    const config = this.config;
    const record = await this.call('read', () => config.backend.read(cookie, this.ctx));
    const text = recordText(record);
    if (text === EMPTY) return;
    this.sessionId = cookie;
    this.stored = true;
    // A record without metadata counts as created now.
    const metadata = (isPlainObject(record) && readMetadata(record[METADATA_KEY])) || this.metadata;
    const stored = parseSession(text);
    // Counted before the schema runs: it may drop some.
    const storedKeys = config.schema === undefined || stored === undefined ? undefined : Object.keys(stored);
    const alive = isAlive(config, metadata, now);
    if (!alive) debug('session ended on the server: expired');
    const valid = alive ? await this.validate(stored) : undefined;
    let data = valid?.data;
    if (data !== undefined && config.isRevoked !== undefined) {
      const revoked = await this.call('read', async () => config.isRevoked!(toMeta(config, metadata, now, false), data!, this.request));
      if (revoked) {
        debug('session ended on the server: revoked');
        data = undefined;
      }
    }
    if (data === undefined) {
      // Expired on the server whatever the cookie said, invalid or revoked: delete it, never extend it.
      await this.removeStored();
      return;
    }
    // A foreign record may use member names.
    for (const key of RESERVED_KEYS) {
      delete data[key];
      if (valid?.plain !== undefined) delete valid.plain[key];
    }
    Object.assign(this.data, data);
    this.baseline = valid?.plain === undefined ? text : stringifySession(valid.plain);
    // The schema dropped stored keys: the next write replaces the record whole, so a merging store loses them too.
    if (storedKeys?.some(key => !Object.hasOwn(this.data, key))) this.ctx.rewrite = true;
    this.metadata = metadata;
  }

  /**
   * The data as an instance of the schema, with its plain form; `undefined` when it is not an object or fails the
   * schema under the 'reset' policy (the default, and the only one without a schema).
   */
  private async validate(data: SessionRecord | undefined): Promise<{ data: SessionRecord; plain?: SessionRecord } | undefined> {
    const schema = this.config.schema;
    if (schema === undefined) return data === undefined ? undefined : { data };
    const result = data === undefined ? { issues: [] } : await schema.load(data);
    if ('instance' in result) return { data: result.instance, plain: result.plain };
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
    // A load or a member call the handler did not await still decides what is saved.
    if (this.loading !== undefined) await this.loading.catch(ignore);
    if (this.queue !== undefined) await this.queue;
    if (!this.loaded) return undefined;
    // What an explicit save() wrote stays saved, and its cookie goes out.
    if (status < 500 || this.config.commitOnServerError) await this.persist();
    return this.outgoingCookie;
  }

  /** Writes, refreshes or removes the record as the data require, and decides the cookie that goes out. */
  private async persist(): Promise<void> {
    const config = this.config;
    // The browser would not keep a cookie for a path it would never send it to.
    if (!isUnderPath(requestPath(this.request), config.cookie.path)) return;
    // Serialised now, synchronously: later changes (after a stream's first byte) are not part of this commit.
    const text = this.serialize();
    const now = this.refreshClock();

    if (text === EMPTY) {
      if (this.stored) await this.removeStored();
      this.outgoingCookie = this.cookieEnded && this.requestCookie !== undefined ? config.setCookie.clear(this.secure()) : undefined;
      return;
    }
    this.assertSavable('write');
    const writing = !this.stored || text !== this.baseline || this.ctx.rewrite === true;
    const metadata = refreshMetadata(config, this.metadata, now, writing || this.touched);
    if (!writing && metadata === this.metadata) return;
    const ttl = metadata.expires - now;
    if (ttl < 1) {
      // At or past expiry: delete, never write with a TTL <= 0.
      if (this.stored) await this.removeStored();
      this.outgoingCookie = this.requestCookie !== undefined ? config.setCookie.clear(this.secure()) : undefined;
      return;
    }

    this.ctx.ttl = ttl;
    const id = writing || config.backend.touch === undefined ? await this.write(text, metadata) : await this.touchStored(metadata);
    const expiryMoved = config.lifetime > 0 && metadata.expires !== this.metadata.expires;
    const cookieChanged = id !== this.requestCookie || this.regenerated || expiryMoved;
    this.sessionId = id;
    this.stored = true;
    this.baseline = text;
    this.metadata = metadata;
    this.touched = false;
    this.ctx.rewrite = undefined;
    if (cookieChanged) this.outgoingCookie = config.setCookie.session(id, this.secure(), now, config.lifetime > 0 ? ttl : undefined);
  }

  /** Writes the record: whole when new, otherwise with the keys that changed, for backends that merge. */
  private async write(text: string, metadata: RecordMetadata): Promise<string> {
    const config = this.config;
    const record = parseSession(text) as SessionRecord;
    if (config.schema?.beforeSave) await config.schema.checkBeforeSave(record);
    const ctx = this.ctx;
    ctx.isNew = !this.stored;
    // A rewrite asked for by the backend or the schema replaces the record whole.
    const whole = !this.stored || ctx.rewrite === true;
    ctx.changes = whole ? undefined : changesBetween(parseSession(this.baseline) ?? {}, record, metadata !== this.metadata);
    record[METADATA_KEY] = metadata;
    const id = await this.call('write', () => config.backend.write(record, this.sessionId, ctx));
    this.checkCookieValue(id);
    return id;
  }

  /** Extends the record's life without rewriting its data. */
  private async touchStored(metadata: RecordMetadata): Promise<string> {
    const id = this.sessionId!;
    await this.call('touch', () => this.config.backend.touch!(id, metadata, this.ctx));
    return id;
  }

  private async removeStored(): Promise<void> {
    if (this.stored && this.sessionId !== undefined) {
      const id = this.sessionId;
      await this.call('remove', () => this.config.backend.remove(id, this.ctx));
    }
    this.stored = false;
    this.sessionId = undefined;
    this.baseline = EMPTY;
    this.outgoingCookie = undefined; // what an earlier save() decided names a record that is gone
    if (this.requestCookie !== undefined) this.cookieEnded = true;
  }

  /** A degraded session cannot be saved: changing it must not end in a success the store never saw. */
  private assertSavable(operation: BackendOperation): void {
    if (this.degraded) {
      throw new SessionBackendError(operation, { cause: new Error('the session could not be read, so it cannot be changed') });
    }
  }

  private refreshClock(): number {
    return (this.ctx.now = this.config.now());
  }

  private secure(): boolean {
    const secure = this.config.cookie.secure;
    if (secure === 'auto') return this.request.secure;
    if (secure) warnIfInsecureTransport(this.request);
    return secure;
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

  /**
   * Runs a backend call under `backendTimeout`; whatever it throws becomes a SessionBackendError (503), except this
   * library's own errors.
   */
  private async call<T>(operation: BackendOperation, run: () => Promise<T>): Promise<T> {
    const timeout = this.config.backendTimeout;
    try {
      // Promise.resolve: a loosely written backend may return a plain value.
      const running = Promise.resolve(run());
      return await (timeout === 0 ? running : withDeadline(running, timeout, () => timedOut(operation, timeout)));
    } catch (error) {
      if (error instanceof SessionError || error instanceof SessionBackendError) throw error;
      throw new SessionBackendError(operation, { cause: error });
    }
  }
}

function ignore(): void {}

function timedOut(operation: BackendOperation, timeout: number): SessionBackendError {
  debug('backend %s did not answer within %d ms', operation, timeout);
  return new SessionBackendError(operation, { timeout });
}

/** With a callback, errors go to it (as express-session does) and the promise resolves after it ran. */
function withCallback(running: Promise<void>, callback: SessionCallback | undefined): Promise<void> {
  return typeof callback === 'function' ? running.then(() => callback(), callback) : running;
}

function changedTooLate(member: 'save' | 'touch'): SessionError {
  return new SessionError(
    'SAVED_TOO_LATE',
    `${member}() was called after the response started, when the session had already been committed: call it before responding`,
  );
}

/** A rejected call that does not crash the process when its caller does not wait for it. */
function refused(error: SessionError): Promise<void> {
  const rejected = Promise.reject(error);
  rejected.catch(ignore);
  return rejected;
}

function loadedTooLate(): SessionError {
  return new SessionError(
    'LOADED_TOO_LATE',
    'The session was loaded after the response started, so its changes could not be saved: load it before responding',
  );
}

function readMetadata(value: unknown): RecordMetadata | undefined {
  if (!isPlainObject(value)) return undefined;
  const { created, expires } = value;
  // Records from before idle timeouts carry no `accessed`: their last refresh is their creation.
  const accessed = value.accessed ?? created;
  if (!Number.isInteger(created) || !Number.isInteger(accessed) || !Number.isInteger(expires)) return undefined;
  return { created: created as number, accessed: accessed as number, expires: expires as number };
}

/** The public view of `metadata`, with the end the current configuration enforces. */
function toMeta(policy: ExpiryPolicy, stored: RecordMetadata, now: number, degraded: boolean): SessionMeta {
  const metadata = enforcedMetadata(policy, stored);
  return Object.freeze({
    createdAt: metadata.created,
    lastAccessedAt: metadata.accessed,
    expiresAt: metadata.expires,
    remainingSeconds: Math.max(0, metadata.expires - now),
    degraded,
  });
}

/** The top-level keys whose JSON differs between `before` and `after`, and the metadata key when it changed. */
function changesBetween(before: SessionRecord, after: SessionRecord, metadataChanged: boolean): SessionChanges {
  const changed = Object.keys(after).filter(key => key !== METADATA_KEY && JSON.stringify(after[key]) !== JSON.stringify(before[key]));
  if (metadataChanged) changed.push(METADATA_KEY);
  return { changed, removed: Object.keys(before).filter(key => !Object.hasOwn(after, key)) };
}

/**
 * The JSON text of a record's data: `'{}'` for no record, `'null'` (invalid data) for what is not a plain object
 * (an array, a scalar, a Buffer, a class instance) or is nested too deep to serialise.
 */
function recordText(record: unknown): string {
  if (record == null) return EMPTY;
  if (!isPlainObject(record)) return invalidRecord('not a plain object');
  let text: string;
  try {
    text = stringifySession(withoutMetadata(record));
  } catch (error) {
    // Deeper than the stack, or larger than a string can be: foreign data.
    if (error instanceof RangeError && /call stack|string length/.test(error.message)) return invalidRecord('too deep or too large');
    // A getter or toJSON that throws, a BigInt, a cycle: the backend handed over something broken.
    throw new SessionBackendError('read', { cause: error });
  }
  return isNestedTooDeep(text) ? invalidRecord(`nested deeper than ${MAX_DEPTH} levels`) : text;
}

function invalidRecord(reason: string): string {
  debug('session ended on the server: the stored record is %s', reason);
  return 'null';
}

function withoutMetadata(record: SessionRecord): SessionRecord {
  if (!(METADATA_KEY in record)) return record;
  const { [METADATA_KEY]: _metadata, ...data } = record;
  return data;
}

function newSessionId(backend: SessionBackend): string {
  return typeof backend.generateId === 'function' ? backend.generateId() : randomSessionId();
}
