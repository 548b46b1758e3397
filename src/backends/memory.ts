/**
 * InMemoryBackend: sessions in this process's memory, for tests, demos and single-process apps.
 *
 * Records are stored as JSON text per top-level key, so a handler can never reach a stored object by reference, and
 * requests that change different keys of one session all keep their changes (the same merge as RedisBackend's).
 * Memory is bounded: past `maxEntries` the least recently written session is evicted, and expired entries are
 * dropped when met or while writing, a couple at a time, so no request pays for a full scan. With `userKey`, each
 * user's sessions are indexed in a map beside the sessions ("log out everywhere").
 */
import { SessionError } from '../errors';
import { stringifySession } from '../serializers/json';
import { type FieldChanges, fieldChanges, recordFromFields } from '../serializers/record-fields';
import { METADATA_KEY, type SessionRecord, type RecordMetadata } from '../record';
import { digest } from '../internal/digest';
import { BackendContext, SessionBackend, contextNow, createUnderFreeId } from './backend';
import {
  UserIndex,
  type UserIndexOptions,
  type UserSessionInfo,
  type UserSessions,
  sessionInfo,
  userOfJson,
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
  /** Top-level key to the JSON text of its value. */
  fields: Map<string, string>;
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
export class InMemoryBackend extends SessionBackend implements UserSessions {
  /** Insertion order is write order: the first entry is the least recently written. */
  private readonly entries = new Map<string, Entry>();
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
    return entry === undefined ? undefined : recordFromFields([...entry.fields].flat());
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
      const fields = applyChanges(new Map(), fieldChanges(data));
      return createUnderFreeId(this, sessionId, id => {
        if (this.live(id, now) !== undefined) return false;
        this.store(id, fields, expiresAt, now);
        return true;
      });
    }
    const id = sessionId ?? this.generateId();
    let fields = new Map<string, string>();
    let changes = fieldChanges(data);
    if (sessionId !== undefined && ctx?.isNew === false) {
      const entry = this.live(id, now);
      if (entry === undefined) return id; // destroyed or expired meanwhile: that wins over this slower request
      if (ctx.changes !== undefined) {
        fields = entry.fields;
        changes = fieldChanges(data, ctx.changes.changed, ctx.changes.removed);
      }
    }
    this.store(id, applyChanges(fields, changes), expiresAt, now);
    return id;
  }

  /** Stores the new metadata and extends the record to `ctx.ttl`; nothing if the record is gone. */
  override async touch(sessionId: string, metadata: RecordMetadata, ctx: BackendContext): Promise<void> {
    const now = contextNow(ctx);
    const entry = this.live(sessionId, now);
    if (entry === undefined) return;
    entry.fields.set(METADATA_KEY, stringifySession(metadata));
    this.store(sessionId, entry.fields, now + ctx.ttl, now);
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

  async listUserSessions(userId: string | number): Promise<UserSessionInfo[]> {
    const now = Date.now();
    const listed: UserSessionInfo[] = [];
    for (const id of this.sessionsOfUser.get(this.users.nameOf(userId)) ?? []) {
      const entry = this.live(id, Math.floor(now / 1000));
      if (entry === undefined) continue;
      const label = this.users.labelKey === '' ? undefined : entry.fields.get(this.users.labelKey);
      listed.push(sessionInfo(digest(id), entry.fields.get(METADATA_KEY), label, entry.expiresAt * 1000 - now));
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

  private store(id: string, fields: Map<string, string>, expiresAt: number, now: number): void {
    this.drop(id); // re-inserted last: most recently written
    const user = this.users.enabled ? userOfJson(fields.get(this.users.userKey)) : undefined;
    this.entries.set(id, { fields, expiresAt, user });
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

/** `fields` with the changes applied. */
function applyChanges(fields: Map<string, string>, changes: FieldChanges): Map<string, string> {
  for (const key of changes.removed) fields.delete(key);
  for (let i = 0; i < changes.set.length; i += 2) fields.set(changes.set[i], changes.set[i + 1]);
  return fields;
}
