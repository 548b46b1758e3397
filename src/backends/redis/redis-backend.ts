/**
 * RedisBackend: sessions in Redis (a single server or a Redis Cluster), through a node-redis 5 or ioredis 5 client
 * the app creates and connects.
 *
 * One hash per session under `prefix + SHA-256(id)`; field = top-level key, value = its JSON text; TTL = the
 * session's remaining lifetime. Writes from the middleware change only the keys a request changed, in one transaction
 * that leaves nothing if the session is gone (merge-transaction.ts), so concurrent requests on one session keep each
 * other's changes and a logout stays a logout. See docs/backends.md for the exact semantics.
 *
 * With `encryptAtRest`, values are sealed (see at-rest.ts) and the user index is kept by a keyed hash of the user id.
 *
 * About 345 lines: the contract's methods, the user index's public queries, the locks and the sealing share one
 * connection and key scheme.
 */
import { SessionError } from '../../errors';
import { METADATA_KEY, type RecordMetadata, type SessionRecord } from '../../record';
import { type EncryptAtRestOptions, ValueSealer } from '../at-rest';
import { BackendContext, SessionBackend, createUnderFreeId, ttlOf, writeNothing } from '../backend';
import type { SessionLockRequest, SessionLocking } from '../session-lock';
import { type FieldChanges, fieldChanges, recordFromReply } from '../../serializers/record-fields';
import {
  UserIndex,
  type UserIndexOptions,
  type UserSessionInfo,
  type UserSessions,
  inBatches,
  sessionInfo,
  userOfJson,
} from '../user-sessions';
import { commandSender, type RedisClientKind, type RedisClientLike } from './redis-clients';
import { RedisConnection } from './redis-connection';
import { INDEX, REMOVE, USER_SESSION, WRITE } from './scripts';
import { mergeTransaction } from './merge-transaction';
import { RedisLocks } from './redis-locks';
import { SessionKeys, digest } from './session-keys';
import { storedForms } from './user-index';

/** Options of {@link RedisBackend}. */
export interface RedisBackendOptions extends UserIndexOptions {
  /**
   * A connected client: node-redis 5 (`createClient()` or `createCluster()`) or ioredis 5 (`new Redis()` or
   * `new Cluster()`). The app owns it: RedisBackend never connects, closes or reconfigures it. For fail-fast
   * behaviour create it with the options docs/backends.md recommends (offline queue off, quick reconnects).
   */
  client: RedisClientLike;
  /**
   * Prepended to every key this backend uses, to share a Redis with other data.
   * @default 'session:'
   */
  prefix?: string;
  /**
   * Milliseconds to wait for each Redis command before giving up with a {@link RedisUnavailableError} (the request
   * then fails with 503).
   * @default 1000
   */
  commandTimeout?: number;
  /**
   * Most commands of this backend waiting for Redis at once; beyond it commands are refused at once. It bounds what
   * a Redis that stopped answering (but keeps its connections) can pile up in the client.
   * @default 1000
   */
  maxPending?: number;
  /** Seal every stored value with AES-256-GCM (see docs/backends.md); off by default. */
  encryptAtRest?: EncryptAtRestOptions;
}

const DEFAULT_PREFIX = 'session:';
const DEFAULT_COMMAND_TIMEOUT = 1000;
const DEFAULT_MAX_PENDING = 1000;
/** Sessions of one user looked at or destroyed at once, at most. */
const USER_BATCH = 32;
/**
 * With `encryptAtRest`, the hash field naming the session's user for the index (the JSON text of a keyed hash of the
 * user id), since the `userKey` field itself is sealed. Stripped from what `read()` returns.
 */
const USER_TAG_FIELD = `${METADATA_KEY}.user`;

/** One user index to look in: its key and the JSON texts a session of that user holds in its user field. */
interface IndexOfUser {
  index: string;
  forms: string[];
}

/**
 * Sessions in Redis: shared by every process of the app, revocable, expired by Redis itself.
 *
 * @example
 * import { createClient } from 'redis';
 * const client = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true });
 * await client.connect();
 * configureSessions({ secretKey, backend: new RedisBackend({ client, prefix: 'shop:session:', userKey: 'userId' }) });
 */
export class RedisBackend extends SessionBackend implements UserSessions, SessionLocking {
  /** Which driver the client belongs to, as detected. */
  readonly clientKind: RedisClientKind;
  private readonly redis: RedisConnection;
  private readonly keys: SessionKeys;
  private readonly locks: RedisLocks;
  private readonly users: UserIndex;
  private readonly sealer: ValueSealer | undefined;
  /** The hash field that names the session's user for the index ('' without a user index). */
  private readonly userField: string;
  /** User sessions handled at once: a quarter of `maxPending` at most, leaving the rest to requests. */
  private readonly userBatch: number;

  constructor(options: RedisBackendOptions) {
    super();
    if (typeof options !== 'object' || options === null) throw invalid('options', 'expected an object with a `client`');
    const sender = commandSender(options.client);
    if (sender === undefined) {
      throw invalid(
        'client',
        'expected a node-redis 5 client or cluster (createClient / createCluster) or an ioredis 5 Redis or Cluster',
      );
    }
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    if (typeof prefix !== 'string') throw invalid('prefix', 'expected a string');
    const commandTimeout = options.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT;
    if (!Number.isInteger(commandTimeout) || commandTimeout < 1)
      throw invalid('commandTimeout', 'expected whole milliseconds >= 1');
    const maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    if (!Number.isInteger(maxPending) || maxPending < 1) throw invalid('maxPending', 'expected a whole number >= 1');
    this.users = new UserIndex('RedisBackend', options);
    this.sealer = ValueSealer.of('RedisBackend', options.encryptAtRest);
    this.userField = !this.users.enabled ? '' : this.sealer === undefined ? this.users.userKey : USER_TAG_FIELD;
    this.clientKind = sender.kind;
    this.redis = new RedisConnection(sender, commandTimeout, maxPending);
    this.keys = new SessionKeys(prefix);
    this.locks = new RedisLocks(this.redis, this.keys);
    this.userBatch = Math.max(1, Math.min(USER_BATCH, Math.floor(maxPending / 4)));
  }

  async read(sessionId: string): Promise<SessionRecord | undefined> {
    const handle = digest(sessionId);
    const record = recordFromReply(await this.redis.readHash(this.keys.sessionOfHandle(handle)));
    if (record === undefined || this.sealer === undefined) return record;
    delete record[USER_TAG_FIELD];
    return this.sealer.openRecord(handle, record);
  }

  /**
   * Stores `data`. From the middleware (`ctx.isNew === false`): only if the session still exists, and with
   * `ctx.changes` only the keys it names. A new session (`ctx.isNew === true`) is created only where nothing is
   * stored, under another id if need be. A direct call replaces whatever is stored. A TTL of 0 or less deletes the
   * session instead.
   */
  async write(data: SessionRecord, sessionId?: string, ctx?: BackendContext): Promise<string> {
    const ttl = ttlOf(data, ctx);
    if (!(ttl >= 1)) return writeNothing(this, sessionId, ctx);
    const isNew = ctx?.isNew === true;
    const existing = ctx?.isNew === false;
    const merge = existing && ctx?.changes !== undefined ? ctx.changes : undefined;
    if (merge !== undefined && sessionId !== undefined) {
      const handle = digest(sessionId);
      const changes = this.sealed(handle, data, fieldChanges(data, merge.changed, merge.removed), merge);
      const userChanged = merge.changed.includes(this.users.userKey) || merge.removed.includes(this.users.userKey);
      // Listed before the change is stored: should the index update after it fail, the session is still found.
      const user = userChanged ? this.users.userAfterMerge(data, merge.changed, merge.removed) : undefined;
      if (this.users.enabled && typeof user === 'string') await this.index(user, handle, ttl);
      const metadataChanged = merge.changed.includes(METADATA_KEY);
      // The key's expiry was set with the metadata it holds: a merge that leaves that metadata, on the deadline it
      // names, leaves the expiry as it is (one command less on every change of a session).
      const deadline = (data[METADATA_KEY] as Partial<RecordMetadata> | undefined)?.expires;
      const keepsExpiry = !metadataChanged && deadline === ctx!.now + ttl;
      await this.merge(handle, changes, ttl, { keepsExpiry, reindex: userChanged || metadataChanged });
      return sessionId;
    }
    const changes = fieldChanges(data);
    const mode = isNew ? 'create' : existing ? 'replace-existing' : 'replace';
    const writeUnder = async (id: string): Promise<boolean> => {
      const handle = digest(id);
      const { set } = this.sealed(handle, data, changes, undefined);
      const args = [mode, String(Math.ceil(ttl)), this.userField, String(set.length / 2), ...set];
      const reply = await this.redis.script(WRITE, this.keys.sessionOfHandle(handle), args);
      if (Array.isArray(reply)) await this.reindex(handle, ttl, reply[1], reply[2]);
      return reply != null;
    };
    if (isNew) return createUnderFreeId(this, sessionId, writeUnder);
    const id = sessionId ?? this.generateId();
    await writeUnder(id);
    return id;
  }

  async remove(sessionId: string): Promise<void> {
    const handle = digest(sessionId);
    const key = this.keys.sessionOfHandle(handle);
    if (this.userField === '') {
      await this.redis.command(key, ['DEL', key]);
      return;
    }
    const user = await this.redis.script(REMOVE, key, [this.userField]);
    await this.reindex(handle, 0, user, null);
  }

  override async exists(sessionId: string): Promise<boolean> {
    const key = this.keys.session(sessionId);
    // A key holding anything but a hash is not a session (see read()).
    return (await this.redis.command(key, ['TYPE', key])) === 'hash';
  }

  /** Stores `metadata` and sets the TTL to `ctx.ttl`, if the session still exists; data stays as it is. */
  override async touch(sessionId: string, metadata: RecordMetadata, ctx: BackendContext): Promise<void> {
    if (!(ctx.ttl >= 1)) return this.remove(sessionId);
    const changes = { set: [METADATA_KEY, JSON.stringify(metadata)], removed: [] };
    await this.merge(digest(sessionId), changes, ctx.ttl, { keepsExpiry: false, reindex: true });
  }

  handleOf(sessionId: string): string {
    return digest(sessionId);
  }

  /** Locks in Redis (`SET NX PX`, the lease as its expiry), polled while another holds it. */
  acquireLock(sessionId: string, request: SessionLockRequest): Promise<string | undefined> {
    return this.locks.acquire(sessionId, request);
  }

  releaseLock(sessionId: string, token: string): Promise<void> {
    return this.locks.release(sessionId, token);
  }

  /** The live sessions of `userId`, newest expiry last (see {@link UserSessions}). */
  async listUserSessions(userId: string | number): Promise<UserSessionInfo[]> {
    const found: UserSessionInfo[] = [];
    for (const { index, forms } of this.indexesOf(userId)) {
      const listed = await inBatches(await this.handlesIn(index), this.userBatch, async handle => {
        const key = this.keys.sessionOfHandle(handle);
        const args = [this.userField, 'get', this.users.labelKey, ...forms];
        const reply = await this.redis.script(USER_SESSION, key, args);
        if (!Array.isArray(reply)) return this.dropStale(index, handle);
        const label = reply[2] === '' ? undefined : reply[2];
        const labelText =
          this.sealer === undefined ? label : this.sealer.openValue(handle, this.users.labelKey, parsed(label));
        return sessionInfo(handle, reply[0], labelText, Number(reply[1]));
      });
      for (const info of listed) if (info !== undefined) found.push(info);
    }
    return found.sort((a, b) => a.expiresInMs - b.expiresInMs);
  }

  /** Destroys every session of `userId` but `options.except`'s; returns how many (see {@link UserSessions}). */
  async destroyUserSessions(userId: string | number, options: { except?: string } = {}): Promise<number> {
    const kept = options.except === undefined ? undefined : digest(options.except);
    let destroyed = 0;
    for (const { index, forms } of this.indexesOf(userId)) {
      const handles = (await this.handlesIn(index)).filter(handle => handle !== kept);
      const replies = await inBatches(handles, this.userBatch, async handle => {
        const args = [this.userField, 'delete', '', ...forms];
        const reply = await this.redis.script(USER_SESSION, this.keys.sessionOfHandle(handle), args);
        await this.redis.script(INDEX, index, [handle, '0']);
        return reply;
      });
      destroyed += replies.filter(reply => reply === 1 || reply === '1').length;
    }
    return destroyed;
  }

  /**
   * The indexes `userId`'s sessions may be listed in: one by user name; with `encryptAtRest`, one per key (a keyed
   * hash of the name), until sessions sealed under older keys are sealed again.
   */
  private indexesOf(userId: string | number): IndexOfUser[] {
    const name = this.users.nameOf(userId);
    if (this.sealer === undefined) return [{ index: this.keys.user(name), forms: storedForms(name) }];
    return this.sealer.userTags(name).map(tag => ({ index: this.keys.user(tag), forms: [JSON.stringify(tag)] }));
  }

  private async handlesIn(index: string): Promise<string[]> {
    const handles = await this.redis.command(index, ['ZRANGE', index, '0', '-1']);
    return Array.isArray(handles) ? handles.filter((h): h is string => typeof h === 'string') : [];
  }

  /**
   * The fields a write sets and deletes for the session `handle`: sealed with `encryptAtRest`, with the user tag
   * field following the user key.
   */
  private sealed(
    handle: string,
    data: SessionRecord,
    changes: FieldChanges,
    merge: { changed: readonly string[]; removed: readonly string[] } | undefined,
  ): FieldChanges {
    if (this.sealer === undefined) return changes;
    const set = this.sealer.sealFields(handle, changes.set);
    const removed = changes.removed;
    const user =
      merge === undefined ? this.users.userOf(data) : this.users.userAfterMerge(data, merge.changed, merge.removed);
    if (user === null && merge !== undefined) return { set, removed: [...removed, USER_TAG_FIELD] };
    if (typeof user === 'string') set.push(USER_TAG_FIELD, JSON.stringify(this.sealer.userTag(user)));
    return { set, removed };
  }

  private async dropStale(index: string, handle: string): Promise<undefined> {
    await this.redis.script(INDEX, index, [handle, '0']);
    return undefined;
  }

  /**
   * Merges `changes` into the session `handle` and gives it `ttl` seconds (unless it `keepsExpiry`), if it still
   * exists (see merge-transaction.ts); with `reindex`, the user index follows (a new user, or a new deadline).
   */
  private async merge(
    handle: string,
    changes: FieldChanges,
    ttl: number,
    { keepsExpiry, reindex }: { keepsExpiry: boolean; reindex: boolean },
  ): Promise<void> {
    const key = this.keys.sessionOfHandle(handle);
    const userField = reindex ? this.userField : '';
    const transaction = mergeTransaction(key, changes, keepsExpiry ? undefined : ttl, userField);
    const outcome = transaction.outcome(await this.redis.transaction(key, transaction.commands));
    if (outcome.written && userField !== '') await this.reindex(handle, ttl, outcome.userBefore, outcome.userAfter);
  }

  /** Lists the session `handle` under `user` (a user id as text) until `ttl` seconds from now. */
  private async index(user: string, handle: string, ttl: number): Promise<void> {
    const name = this.sealer === undefined ? user : this.sealer.userTag(user);
    await this.redis.script(INDEX, this.keys.user(name), [handle, String(Math.ceil(ttl))]);
  }

  /**
   * Keeps the user index in step with a session after a write: the session leaves its former user's index and joins
   * (or stays in, with a new expiry) its current user's. Done after the session's own write: a cluster puts the two
   * keys on different nodes, and an index entry is only ever a hint that listing checks against the session.
   */
  private async reindex(handle: string, ttl: number, before: unknown, after: unknown): Promise<void> {
    if (this.userField === '') return;
    const formerUser = userOfJson(before);
    const user = userOfJson(after);
    if (formerUser !== undefined && formerUser !== user)
      await this.redis.script(INDEX, this.keys.user(formerUser), [handle, '0']);
    if (user !== undefined) await this.redis.script(INDEX, this.keys.user(user), [handle, String(Math.ceil(ttl))]);
  }
}

function invalid(option: string, expected: string): SessionError {
  return new SessionError('INVALID_OPTION', `Invalid RedisBackend option \`${option}\`: ${expected}`);
}

function parsed(json: unknown): unknown {
  try {
    return typeof json === 'string' ? JSON.parse(json) : undefined;
  } catch {
    return undefined;
  }
}
