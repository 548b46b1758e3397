/**
 * The session of one request: its load, its members (`regenerate()`, `destroy()`, `save()`...) and its commit, which
 * runs when the response starts and decides what is written, refreshed or removed, and which cookie goes out.
 *
 * Nothing happens per request until `load()`: a route that never loads the session pays for the proxy and this
 * object, and no I/O. Change tracking compares JSON text: the data's JSON when loaded against its JSON when the
 * response starts, so in-place changes of nested objects count and an assignment of an equal value does not.
 *
 * One state machine whose members and commit share its fields, in one file of about 420 lines.
 */
import type { Request, Response } from 'express';
import { newSessionId } from '../backends/backend';
import { hasSessionLocking } from '../backends/session-lock';
import { type BackendOperation, SessionBackendError, SessionNotLoadedError } from '../errors';
import type { OutgoingId } from '../http/outgoing-id';
import { holdResponse, responseStarted } from '../http/response-hold';
import type { FlashMessageLists, RecordMetadata, SessionRecord } from '../record';
import { stringifySession } from '../serializers/json';
import type { SessionConfig } from './config';
import { hasPersistentCookie, newMetadata, publicMeta, refreshMetadata, withLifetime } from './expiry';
import { addFlashMessage, withFlashes } from './flash';
import { IdTransport } from './id-transport';
import { idIssuedAt } from './renewal';
import { loadData } from './load';
import { SessionProxy } from './proxy';
import { changedTooLate, ignore, invalidArgument, loadedTooLate, lockedTooLate, refused } from './refusals';
import { RequestLock, lockUnsupported } from './request-lock';
import { EMPTY, StoredRecord } from './stored-record';
import type { LoadOptions, RegenerateOptions, Session, SessionMeta } from './types';

export class SessionState {
  /** `req.session`. */
  readonly session: Session;
  private readonly data: SessionRecord;
  /** Created when the session loads: a request that never loads it allocates nothing more. */
  private record!: StoredRecord;
  private loaded = false;
  private loading: Promise<void> | undefined;
  /** How the id travels on this request, and the id it carried; set when the session loads. */
  private transport!: IdTransport;
  /** The record the request's id pointed to is gone (destroyed, regenerated, expired): the client must forget it. */
  private idEnded = false;
  /** `regenerate()` was called: the cookie is sent again even if its value happens to be the same. */
  private regenerated = false;
  /** A regeneration not yet reported by an event, and the id of the stored session it replaced, if any. */
  private unreportedRegeneration: { from: string | undefined } | undefined;
  /** The read failed and `onBackendFailure: 'degrade'` gave an anonymous session instead: nothing can be saved. */
  private degraded = false;
  /** `touch()` was called: this request refreshes a rolling or idle-timed session even within `touchAfter`. */
  private touched = false;
  /** The lifetime `setLifetime()` gave the session, until the commit stores it. */
  private newLifetime: number | undefined;
  /** `load({ lock: true })` was asked for: the session's lock is taken before it is read. */
  private wantsLock = false;
  /** The session's lock, once this request holds it. */
  private lock: RequestLock | undefined;
  /** The flash messages not yet taken; `undefined` when there are none. */
  private flashes: FlashMessageLists | undefined;
  /** The header that gives the client its id on this response: decided by `save()`, and again by the commit. */
  private outgoing: OutgoingId | undefined;
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
    this.session = new Proxy(this.data, new SessionProxy(this)) as unknown as Session;
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  get id(): string | undefined {
    return this.loaded ? this.record.id : undefined;
  }

  /** The lifecycle as it will be after this request, were it committed now; `undefined` until loaded. */
  meta(): SessionMeta | undefined {
    if (!this.loaded) return undefined;
    const { config, record } = this;
    const now = config.now();
    const writing = record.exists && this.serialize() !== record.baseline;
    return publicMeta(config, this.nextMetadata(now, writing), now, this.degraded);
  }

  // ---- Members ----

  /**
   * Reads the session once; concurrent calls share the read. A failed read can be retried. The response is held
   * from here on, so one that starts while the backend is read still waits for the commit.
   */
  load(options?: LoadOptions | null): Promise<void> {
    // Until the lock is held: a call after one that failed (a timeout) tries again.
    if (options?.lock === true && this.lock === undefined) {
      const backend = this.config.backend;
      if (!hasSessionLocking(backend)) return refused(lockUnsupported(backend));
      if (responseStarted(this.response)) return refused(loadedTooLate());
      this.wantsLock = true;
      // Loaded without the lock: lock, then read again; a load, so the commit waits for it.
      if (this.loaded || this.loading !== undefined) return this.trackLoad(this.lockLoaded(this.loading));
    }
    if (this.loading !== undefined) return this.loading;
    if (this.loaded) return Promise.resolve();
    if (responseStarted(this.response)) return Promise.reject(loadedTooLate());
    holdResponse(
      this.response,
      status => this.commit(status),
      error => this.config.onError?.(error as Error, this.request),
    );
    this.record ??= new StoredRecord(this.config, this.request);
    return this.trackLoad(this.read());
  }

  /** `loading` is the load in flight until it settles. */
  private trackLoad(loading: Promise<void>): Promise<void> {
    const tracked: Promise<void> = loading.finally(() => {
      if (this.loading === tracked) this.loading = undefined;
    });
    this.loading = tracked;
    return tracked;
  }

  /**
   * New id, data kept, old record removed now; the session counts as begun now (absolute timeout, `isRevoked`),
   * unless `keepCreatedAt`: then the id rotates and the creation time, with its absolute deadline, stays.
   */
  regenerate(options?: RegenerateOptions | null): Promise<void> {
    return this.enqueue(async () => {
      await this.load();
      this.assertSavable('write');
      const { config, record } = this;
      const previous = record.metadata;
      this.unreportedRegeneration ??= { from: record.exists ? record.id : undefined };
      await this.removeStored();
      record.id = newSessionId(config.backend);
      const now = record.stampTime();
      record.metadata =
        options?.keepCreatedAt === true
          ? { ...refreshMetadata(config, previous, now, true), renewed: now }
          : newMetadata(config, now);
      this.regenerated = true;
    });
  }

  destroy(): Promise<void> {
    return this.enqueue(async () => {
      await this.load();
      this.assertSavable('remove');
      this.clearData();
      this.newLifetime = undefined;
      await this.removeStored('destroyed');
      this.record.metadata = newMetadata(this.config, this.record.stampTime());
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
    return this.enqueue(async () => {
      await this.load();
      await this.persist();
    });
  }

  /** Drops this request's unsaved changes and reads the session again from the backend. */
  reload(): Promise<void> {
    if (responseStarted(this.response)) return refused(loadedTooLate());
    return this.enqueue(async () => {
      await this.load();
      await this.readAgain(this.record.exists ? this.record.id : undefined);
    });
  }

  /** Counts this request as activity even within `touchAfter`: a rolling or idle-timed session is refreshed. */
  touch(): Promise<void> {
    if (responseStarted(this.response)) return refused(changedTooLate('touch'));
    return this.enqueue(async () => {
      await this.load();
      this.touched = true;
    });
  }

  /**
   * Gives this session a lifetime of its own ("remember me"), in seconds from its start (or from its last activity
   * when rolling); `0`: a browser-session cookie. Stored with the record: the cookie's Max-Age and the store's TTL
   * follow it on every later request.
   */
  setLifetime(seconds: number): Promise<void> {
    const max = this.config.maxLifetime;
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > max) {
      const hint = max < 400 * 24 * 3600 ? '; raise the `maxLifetime` option for longer ones' : '';
      return refused(
        invalidArgument('setLifetime', `expected whole seconds from 0 (browser session) to ${max}${hint}`),
      );
    }
    if (responseStarted(this.response)) return refused(changedTooLate('setLifetime'));
    return this.enqueue(async () => {
      await this.load();
      this.assertSavable('write');
      this.newLifetime = seconds;
    });
  }

  addFlash(key: string, message: unknown): void {
    if (!this.loaded) throw new SessionNotLoadedError('addFlash');
    this.flashes = addFlashMessage(this.flashes, key, message);
  }

  /** The messages under `key` (or all, by key), removed. */
  takeFlash(key?: string): unknown[] | FlashMessageLists {
    if (!this.loaded) throw new SessionNotLoadedError('takeFlash');
    const flashes = this.flashes;
    if (key === undefined) {
      this.flashes = undefined;
      return flashes ?? {};
    }
    if (flashes === undefined || !Object.hasOwn(flashes, key)) return [];
    const messages = flashes[key];
    delete flashes[key];
    if (Object.keys(flashes).length === 0) this.flashes = undefined;
    return messages;
  }

  /** Runs `operation` after the member calls before it. */
  private enqueue(operation: () => Promise<void>): Promise<void> {
    // The first call starts at once, so that its load() holds a response the handler starts right after it.
    const running = this.queue === undefined ? operation() : this.queue.then(operation);
    this.queue = running;
    // Not awaited by the handler, a failure still fails the commit (503) rather than the process.
    running.catch(ignore);
    return running;
  }

  private clearData(): void {
    for (const key of Object.keys(this.data)) delete this.data[key];
    this.flashes = undefined;
  }

  // ---- Load ----

  private async read(): Promise<void> {
    const record = this.record;
    this.transport = new IdTransport(this.config, this.request);
    const id = this.transport.requestId;
    record.metadata = newMetadata(this.config, record.stampTime());
    try {
      // A retried load keeps the lock it took.
      if (id !== undefined && this.wantsLock && this.lock === undefined) await this.takeLock(id);
      // Stamped again: the lock may have kept it waiting.
      if (id !== undefined) await this.adoptRecord(id, record.stampTime());
      // Led to a renewed session's new id, which its other requests now carry and lock.
      if (this.lock !== undefined && record.followedRenewal) await this.lockAndReadAgain(record.id!);
    } catch (error) {
      if (!(this.config.degrade && error instanceof SessionBackendError)) throw error;
      // The user's record may be fine: keep its id, hand out an anonymous session that cannot be saved.
      this.degraded = true;
      record.forget();
    }
    this.loaded = true;
  }

  /** Drops the data and this request's changes, and reads the record `id` again (none: an empty session). */
  private async readAgain(id: string | undefined, announce = true): Promise<void> {
    const record = this.record;
    this.clearData();
    this.newLifetime = undefined;
    record.forget();
    const now = record.stampTime();
    record.metadata = newMetadata(this.config, now);
    if (id !== undefined) await this.adoptRecord(id, now, announce);
  }

  private async takeLock(id: string): Promise<void> {
    this.lock = await RequestLock.acquire(this.config, this.record, id);
  }

  /**
   * `load({ lock: true })` after a load without it (`previous`, if still under way): takes the lock, then reads what
   * may have changed meanwhile.
   */
  private async lockLoaded(previous: Promise<void> | undefined): Promise<void> {
    if (previous !== undefined) await previous;
    // Member calls under way change what the read under the lock would drop.
    if (this.queue !== undefined) await this.queue;
    const record = this.record;
    const id = record.exists ? record.id : this.transport.requestId;
    // A new session: no other request shares it.
    if (id === undefined || this.lock !== undefined) return;
    if (this.regenerated || this.serialize() !== record.baseline) throw lockedTooLate();
    await this.lockAndReadAgain(id);
  }

  /** Holds the lock of `id` (instead of any other) and reads the session again under it. */
  private async lockAndReadAgain(id: string): Promise<void> {
    this.lock?.end();
    this.lock = undefined;
    await this.takeLock(id);
    await this.readAgain(id, false);
  }

  /** Reads the record `id` names and takes its data; removes a record that must end. */
  private async adoptRecord(id: string, now: number, announce = true): Promise<void> {
    const loaded = await loadData(this.config, this.record, id, now, this.request, announce);
    // Expired on the server whatever the cookie said, invalid or revoked: delete it, never extend it.
    if (loaded === 'ended') return this.removeStored();
    if (loaded === undefined) return;
    Object.assign(this.data, loaded.data);
    this.flashes = loaded.flashes;
    this.record.adopt(loaded.baseline, loaded.metadata, loaded.dropped);
  }

  /** The data's JSON text, as stored (through the schema's class-transformer options when there is one). */
  private serialize(): string {
    const schema = this.config.schema;
    return stringifySession(withFlashes(schema === undefined ? this.data : schema.toPlain(this.data), this.flashes));
  }

  // ---- Commit: runs when the response starts; returns the header that carries the id, if any ----

  private async commit(status: number): Promise<OutgoingId | undefined> {
    try {
      // A load or a member call the handler did not await still decides what is saved.
      if (this.loading !== undefined) await this.loading.catch(ignore);
      if (this.queue !== undefined) await this.queue;
      if (!this.loaded) return undefined;
      // What an explicit save() wrote stays saved, and its cookie goes out.
      if (status < 500 || this.config.commitOnServerError) await this.persist();
      return this.outgoing;
    } finally {
      // The next request of the session may read it now: what this one changed is stored.
      this.lock?.end();
    }
  }

  /** Writes, refreshes or removes the record as the data require, and decides the id header that goes out. */
  private async persist(): Promise<void> {
    const { config, record, transport } = this;
    if (!transport.canSend) return;
    // Serialised now, synchronously: later changes (after a stream's first byte) are not part of this commit.
    const text = this.serialize();
    const now = record.stampTime();
    if (text === EMPTY) return this.endStored(false);
    this.assertSavable('write');
    const lifetimeChanged = this.isLifetimeChanged();
    const renewing = this.isRenewalDue(now);
    const writing = renewing || lifetimeChanged || record.isChangedBy(text);
    let metadata = this.nextMetadata(now, writing);
    if (renewing) metadata = { ...metadata, renewed: now };
    if (!writing && metadata === record.metadata) {
      // Led here from an id a renewal replaced: hand the client the id it missed.
      if (record.followedRenewal) {
        const maxAge = hasPersistentCookie(config, metadata) ? metadata.expires - now : undefined;
        this.outgoing = transport.send(record.id!, now, maxAge);
      }
      return;
    }
    const persistent = hasPersistentCookie(config, metadata);
    const ttl = metadata.expires - now;
    // At or past expiry: delete, never write with a TTL <= 0.
    if (ttl < 1) return this.endStored(true);

    // Server-side records move to a new id and retire the old one; a cookie backend's value is re-sealed anyway.
    const renewedFrom = renewing ? record.id : undefined;
    const retiring = renewing && config.backend.revocable;
    if (retiring) record.beginRenewal(newSessionId(config.backend));
    // A cookie carries its expiry: one that moved is sent again.
    const cookieChanged =
      transport.carriesExpiry && (lifetimeChanged || (persistent && metadata.expires !== record.metadata.expires));
    const created = !record.exists;
    const id = await record.store(text, metadata, ttl, writing);
    if (retiring) await record.retire(renewedFrom!, now, config.renewalGrace);
    this.publishStored(created, renewedFrom);
    this.touched = false;
    this.newLifetime = undefined;
    if (id !== transport.requestId || this.regenerated || cookieChanged) {
      this.outgoing = transport.send(id, now, persistent ? ttl : undefined);
    }
  }

  /** Reports what the write just done made of the session: a renewal, a regeneration or a new session. */
  private publishStored(created: boolean, renewedFrom: string | undefined): void {
    const { record } = this;
    if (renewedFrom !== undefined) return record.publish('renewed', renewedFrom);
    const regeneration = this.unreportedRegeneration;
    if (regeneration !== undefined) {
      this.unreportedRegeneration = undefined;
      return record.publish('regenerated', regeneration.from);
    }
    if (created) record.publish('created');
  }

  /** The metadata after this request at `now`: refreshed by activity, with the lifetime `setLifetime()` gave. */
  private nextMetadata(now: number, writing: boolean): RecordMetadata {
    const { config, record } = this;
    const lifetimeChanged = this.isLifetimeChanged();
    const metadata = refreshMetadata(config, record.metadata, now, writing || lifetimeChanged || this.touched);
    return lifetimeChanged ? withLifetime(config, metadata, this.newLifetime!) : metadata;
  }

  /** The session's id is `renewAfter` seconds old; a request that already changed it (regenerate) renews nothing. */
  private isRenewalDue(now: number): boolean {
    const { config, record } = this;
    return (
      config.renewAfter > 0 &&
      record.exists &&
      !this.regenerated &&
      now - idIssuedAt(record.metadata) >= config.renewAfter
    );
  }

  private isLifetimeChanged(): boolean {
    return this.newLifetime !== undefined && this.newLifetime !== this.record.metadata.lifetime;
  }

  /**
   * Removes the record if there is one. The client forgets the request's id when its record is gone, or `always` (a
   * session at its end).
   */
  private async endStored(always: boolean): Promise<void> {
    if (this.record.exists) await this.removeStored(always ? 'expired' : 'destroyed');
    const clear = (always || this.idEnded) && this.transport.requestId !== undefined;
    this.outgoing = clear ? this.transport.clear() : undefined;
  }

  /** Removes the record; `ended` names the event of its end, when this is one. */
  private async removeStored(ended?: 'destroyed' | 'expired'): Promise<void> {
    await this.record.remove(ended);
    this.outgoing = undefined; // what an earlier save() decided names a record that is gone
    if (this.transport.requestId !== undefined) this.idEnded = true;
  }

  /** A degraded session cannot be saved: changing it must not end in a success the store never saw. */
  private assertSavable(operation: BackendOperation): void {
    if (this.degraded) {
      throw new SessionBackendError(operation, {
        cause: new Error('the session could not be read, so it cannot be changed'),
      });
    }
  }
}
