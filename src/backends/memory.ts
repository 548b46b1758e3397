/**
 * InMemoryBackend: sessions in this process's memory, for tests, demos and single-process apps.
 *
 * Each record is kept as one JSON text, so a handler can never reach a stored object by reference, and a session
 * costs little more than its text (one string, where a Map of fields took twice the heap). A write from a request
 * applies only the keys it changed to what is stored, so requests that change different keys of one session all
 * keep their changes (the same merge as RedisBackend's).
 * Memory is bounded: past `maxEntries` the least recently written session is evicted, and expired entries are
 * dropped when met or while writing, a couple at a time, so no request pays for a full scan. With `userKey`, each
 * user's sessions are indexed in a map beside the sessions ("log out everywhere").
 */
import { SessionError } from '../errors';
import { parseSession, stringifySession } from '../serializers/json';
import { METADATA_KEY, type SessionRecord, type RecordMetadata } from '../record';
import { digest } from '../internal/digest';
import { BackendContext, SessionBackend, type SessionChanges, contextNow, createUnderFreeId } from './backend';
import { MemoryLocks } from './memory-locks';
import type { SessionLockRequest, SessionLocking } from './session-lock';
import {
  UserIndex,
  type UserIndexOptions,
  type UserSessionInfo,
  type UserSessions,
  sessionInfo,
  userName,
} from './user-sessions';

/** Options of {@link InMemoryBackend}. */
export interface InMemoryBackendOptions extends UserIndexOptions {
  /**
   * Most sessions kept; the least recently written is evicted beyond it, so a flood of new sessions cannot
   * exhaust the heap.
   * @default 100000
   */
  maxEntries?: number;
}

interface Entry {
  /** The record's JSON text. */
  text: string;
  /** Unix seconds. */
  expiresAt: number;
  /** The user it belongs to, with a `userKey`. */
  user: string | undefined;
}

const DEFAULT_TTL = 14 * 24 * 3600;
/** Expired entries examined per write: enough to keep up with writes, too few to be felt. */
const SWEEP_PER_WRITE = 2;

/**
 * Sessions in a `Map` of this process. Not shared between processes, lost on restart.
 *
 * @example
 * configureSessions({ secretKey, backend: new InMemoryBackend({ maxEntries: 10_000 }) });
 */
export class InMemoryBackend extends SessionBackend implements UserSessions, SessionLocking {
  /** Insertion order is write order: the first entry is the least recently written. */
  private readonly entries = new Map<string, Entry>();
  private readonly locks = new MemoryLocks();
  private readonly maxEntries: number;
  private readonly users: UserIndex;
  /** User name to the ids of their sessions, with a `userKey`. */
  private readonly sessionsOfUser = new Map<string, Set<string>>();

  constructor(options: InMemoryBackendOptions = {}) {
    super();
    const maxEntries = options.maxEntries === undefined ? 100_000 : options.maxEntries;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new SessionError(
        'INVALID_OPTION',
        'Invalid InMemoryBackend option `maxEntries`: expected a whole number >= 1',
      );
    }
    this.maxEntries = maxEntries;
    this.users = new UserIndex('InMemoryBackend', options);
  }

  /** How many sessions are stored (expired ones not yet dropped included). */
  get size(): number {
    return this.entries.size;
  }

  async read(sessionId: string, ctx?: BackendContext): Promise<SessionRecord | undefined> {
    const entry = this.live(sessionId, contextNow(ctx));
    return entry === undefined ? undefined : parseSession(entry.text);
  }

  /**
   * Replaces the record, or, for an existing record with `ctx.changes`, sets the changed keys and deletes the
   * removed ones. An update of a record that is gone (destroyed or expired meanwhile) writes nothing; a new record
   * (`ctx.isNew`) never replaces one that is stored.
   */
  async write(data: SessionRecord, sessionId?: string, ctx?: BackendContext): Promise<string> {
    const now = contextNow(ctx);
    const expiresAt = now + (ctx?.ttl ?? DEFAULT_TTL);
    if (ctx?.isNew === true) {
      const text = stringifySession(data);
      return createUnderFreeId(this, sessionId, id => {
        if (this.live(id, now) !== undefined) return false;
        this.store(id, text, this.userOf(data), expiresAt, now);
        return true;
      });
    }
    const id = sessionId ?? this.generateId();
    let record = data;
    if (sessionId !== undefined && ctx?.isNew === false) {
      const entry = this.live(id, now);
      if (entry === undefined) return id; // destroyed or expired meanwhile: that wins over this slower request
      if (ctx.changes !== undefined) record = withChanges(parseSession(entry.text) ?? {}, data, ctx.changes);
    }
    this.store(id, stringifySession(record), this.userOf(record), expiresAt, now);
    return id;
  }

  /** Stores the new metadata and extends the record to `ctx.ttl`; nothing if the record is gone. */
  override async touch(sessionId: string, metadata: RecordMetadata, ctx: BackendContext): Promise<void> {
    const now = contextNow(ctx);
    const entry = this.live(sessionId, now);
    if (entry === undefined) return;
    const record = parseSession(entry.text) ?? {};
    record[METADATA_KEY] = metadata;
    this.store(sessionId, stringifySession(record), entry.user, now + ctx.ttl, now);
  }

  async remove(sessionId: string): Promise<void> {
    this.drop(sessionId);
  }

  override async exists(sessionId: string, ctx?: BackendContext): Promise<boolean> {
    return this.live(sessionId, contextNow(ctx)) !== undefined;
  }

  /** Removes every session. */
  clear(): void {
    this.entries.clear();
    this.sessionsOfUser.clear();
  }

  handleOf(sessionId: string): string {
    return digest(sessionId);
  }

  /** Locks of this process: waiters are handed the lock in turn as it is released. */
  acquireLock(sessionId: string, request: SessionLockRequest): Promise<string | undefined> {
    return this.locks.acquire(sessionId, request);
  }

  async releaseLock(sessionId: string, token: string): Promise<void> {
    this.locks.release(sessionId, token);
  }

  async listUserSessions(userId: string | number): Promise<UserSessionInfo[]> {
    const now = Date.now();
    const listed: UserSessionInfo[] = [];
    for (const id of this.sessionsOfUser.get(this.users.nameOf(userId)) ?? []) {
      const entry = this.live(id, Math.floor(now / 1000));
      if (entry === undefined) continue;
      const record = parseSession(entry.text) ?? {};
      const label = this.users.labelKey === '' ? undefined : JSON.stringify(record[this.users.labelKey]);
      const metadata = JSON.stringify(record[METADATA_KEY]);
      listed.push(sessionInfo(digest(id), metadata, label, entry.expiresAt * 1000 - now));
    }
    return listed;
  }

  async destroyUserSessions(userId: string | number, options: { except?: string } = {}): Promise<number> {
    const now = Math.floor(Date.now() / 1000);
    let destroyed = 0;
    for (const id of [...(this.sessionsOfUser.get(this.users.nameOf(userId)) ?? [])]) {
      if (id === options.except) continue;
      if (this.live(id, now) !== undefined) destroyed++;
      this.drop(id);
    }
    return destroyed;
  }

  /** The user `record` belongs to, with a `userKey`. */
  private userOf(record: SessionRecord): string | undefined {
    return this.users.enabled ? userName(record[this.users.userKey]) : undefined;
  }

  private store(id: string, text: string, user: string | undefined, expiresAt: number, now: number): void {
    this.drop(id); // re-inserted last: most recently written
    this.entries.set(id, { text, expiresAt, user });
    if (user !== undefined) {
      const ids = this.sessionsOfUser.get(user);
      if (ids === undefined) this.sessionsOfUser.set(user, new Set([id]));
      else ids.add(id);
    }
    this.evict(now);
  }

  private live(sessionId: string, now: number): Entry | undefined {
    const entry = this.entries.get(sessionId);
    if (entry !== undefined && entry.expiresAt <= now) {
      this.drop(sessionId);
      return undefined;
    }
    return entry;
  }

  /** Deletes the session `id` and its index entry. */
  private drop(id: string): void {
    const user = this.entries.get(id)?.user;
    this.entries.delete(id);
    if (user === undefined) return;
    const ids = this.sessionsOfUser.get(user);
    ids?.delete(id);
    if (ids?.size === 0) this.sessionsOfUser.delete(user);
  }

  private evict(now: number): void {
    let examined = 0;
    for (const [id, entry] of this.entries) {
      const overflow = this.entries.size > this.maxEntries;
      if (!overflow && (examined++ >= SWEEP_PER_WRITE || entry.expiresAt > now)) break;
      this.drop(id);
    }
  }
}

/** `stored` with the keys a request changed taken from `data`, and those it removed deleted. */
function withChanges(stored: SessionRecord, data: SessionRecord, { changed, removed }: SessionChanges): SessionRecord {
  for (const key of removed) delete stored[key];
  for (const key of changed) {
    if (Object.hasOwn(data, key)) stored[key] = data[key];
    else delete stored[key];
  }
  return stored;
}
