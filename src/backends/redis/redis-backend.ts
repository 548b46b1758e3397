/**
 * RedisBackend: sessions in Redis (a single server or a Redis Cluster), through a node-redis 5 or ioredis 5 client
 * the app creates and connects.
 *
 * One hash per session under `prefix + SHA-256(id)`; field = top-level key, value = its JSON text; TTL = the
 * session's remaining lifetime. Writes from the middleware change only the keys a request changed, in one Lua script
 * that does nothing if the session is gone, so concurrent requests on one session keep each other's changes and a
 * logout stays a logout. See docs/backends.md for the exact semantics.
 *
 * About 260 lines: the contract's methods and the user index's public queries share one connection and key scheme.
 */
import { SessionError } from '../../errors';
import { METADATA_KEY, type RecordMetadata, type SessionRecord, readRecordMetadata } from '../../record';
import { BackendContext, SessionBackend, createUnderFreeId, ttlOf, writeNothing } from '../backend';
import { fieldChanges, recordFromReply } from '../../serializers/record-fields';
import { commandSender, type RedisClientKind, type RedisClientLike } from './redis-clients';
import { RedisConnection } from './redis-connection';
import { INDEX, READ, REMOVE, TOUCH, USER_SESSION, WRITE } from './scripts';
import { SessionKeys, digest } from './session-keys';
import { inBatches, storedForms, userName, userOfStored } from './user-index';

/** Options of {@link RedisBackend}. */
export interface RedisBackendOptions {
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
  /**
   * The session key that holds the user id (a string or a number). When set, each user's sessions are indexed, so
   * that {@link RedisBackend.listUserSessions} and {@link RedisBackend.destroyUserSessions} ("log out everywhere")
   * work. Index entries expire with their sessions.
   * @default none (no index)
   */
  userKey?: string;
}

/** One session of a user, as {@link RedisBackend.listUserSessions} lists it. */
export interface UserSessionInfo {
  /** An opaque, stable name of the session (a hash of its id, never the id); compare with {@link RedisBackend.handleOf}. */
  handle: string;
  /** The session's metadata (unix seconds), when the record has it. */
  metadata: RecordMetadata | undefined;
  /** Milliseconds until Redis drops the session. */
  expiresInMs: number;
}

const DEFAULT_PREFIX = 'session:';
const DEFAULT_COMMAND_TIMEOUT = 1000;
const DEFAULT_MAX_PENDING = 1000;
/** Sessions of one user looked at or destroyed at once, at most. */
const USER_BATCH = 32;

/**
 * Sessions in Redis: shared by every process of the app, revocable, expired by Redis itself.
 *
 * @example
 * import { createClient } from 'redis';
 * const client = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true });
 * await client.connect();
 * configureSessions({ secretKey, backend: new RedisBackend({ client, prefix: 'shop:session:', userKey: 'userId' }) });
 */
export class RedisBackend extends SessionBackend {
  /** Which driver the client belongs to, as detected. */
  readonly clientKind: RedisClientKind;
  private readonly redis: RedisConnection;
  private readonly keys: SessionKeys;
  private readonly userKey: string;
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
    const userKey = options.userKey ?? '';
    if (
      typeof userKey !== 'string' ||
      (options.userKey !== undefined && (userKey === '' || userKey === METADATA_KEY))
    ) {
      throw invalid('userKey', 'expected the name of a session data key');
    }
    this.clientKind = sender.kind;
    this.redis = new RedisConnection(sender, commandTimeout, maxPending);
    this.keys = new SessionKeys(prefix);
    this.userKey = userKey;
    this.userBatch = Math.max(1, Math.min(USER_BATCH, Math.floor(maxPending / 4)));
  }

  async read(sessionId: string): Promise<SessionRecord | undefined> {
    return recordFromReply(await this.redis.script(READ, this.keys.session(sessionId), []));
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
    const changes =
      existing && ctx?.changes !== undefined
        ? fieldChanges(data, ctx.changes.changed, ctx.changes.removed)
        : fieldChanges(data);
    const mode = isNew ? 'create' : !existing ? 'replace' : ctx?.changes !== undefined ? 'merge' : 'replace-existing';
    const args = [
      mode,
      String(Math.ceil(ttl)),
      this.userKey,
      String(changes.set.length / 2),
      ...changes.set,
      ...changes.removed,
    ];
    const writeUnder = async (id: string): Promise<boolean> => {
      const reply = await this.redis.script(WRITE, this.keys.session(id), args);
      if (Array.isArray(reply)) await this.reindex(id, ttl, reply[1], reply[2]);
      return reply != null;
    };
    if (isNew) return createUnderFreeId(this, sessionId, writeUnder);
    const id = sessionId ?? this.generateId();
    await writeUnder(id);
    return id;
  }

  async remove(sessionId: string): Promise<void> {
    const key = this.keys.session(sessionId);
    if (this.userKey === '') {
      await this.redis.command(key, ['DEL', key]);
      return;
    }
    const user = await this.redis.script(REMOVE, key, [this.userKey]);
    await this.reindex(sessionId, 0, user, null);
  }

  override async exists(sessionId: string): Promise<boolean> {
    const key = this.keys.session(sessionId);
    // A key holding anything but a hash is not a session (see read()).
    return (await this.redis.command(key, ['TYPE', key])) === 'hash';
  }

  /** Stores `metadata` and sets the TTL to `ctx.ttl`, if the session still exists; data stays as it is. */
  override async touch(sessionId: string, metadata: RecordMetadata, ctx: BackendContext): Promise<void> {
    if (!(ctx.ttl >= 1)) return this.remove(sessionId);
    const reply = await this.redis.script(TOUCH, this.keys.session(sessionId), [
      JSON.stringify(metadata),
      String(Math.ceil(ctx.ttl)),
      this.userKey,
    ]);
    if (Array.isArray(reply)) await this.reindex(sessionId, ctx.ttl, reply[1], reply[1]);
  }

  /** The handle under which {@link listUserSessions} lists the session `sessionId`: to mark "this device". */
  handleOf(sessionId: string): string {
    return digest(sessionId);
  }

  /**
   * The live sessions of `userId` (as stored under the `userKey` option's data key), newest expiry last.
   * @throws SessionError `NOT_CONFIGURED` when the backend has no `userKey`.
   */
  async listUserSessions(userId: string | number): Promise<UserSessionInfo[]> {
    const { index, forms, handles } = await this.userIndex(userId);
    const found = await inBatches(handles, this.userBatch, async handle => {
      const key = this.keys.sessionOfHandle(handle);
      const reply = await this.redis.script(USER_SESSION, key, [this.userKey, 'get', ...forms]);
      if (!Array.isArray(reply)) return this.dropStale(index, handle);
      return { handle, metadata: parseMetadata(reply[0]), expiresInMs: Number(reply[1]) };
    });
    return found.filter((info): info is UserSessionInfo => info !== undefined);
  }

  /**
   * Destroys every session of `userId` ("log out everywhere"), except the one with id `options.except` (the current
   * one, for "log out other devices"). Returns how many were destroyed. A session that is written while this runs
   * (a login completing at the same moment) may survive it, as if it had logged in just after.
   * @throws SessionError `NOT_CONFIGURED` when the backend has no `userKey`.
   */
  async destroyUserSessions(userId: string | number, options: { except?: string } = {}): Promise<number> {
    const { index, forms, handles } = await this.userIndex(userId);
    const kept = options.except === undefined ? undefined : digest(options.except);
    const destroyed = await inBatches(
      handles.filter(handle => handle !== kept),
      this.userBatch,
      async handle => {
        const reply = await this.redis.script(USER_SESSION, this.keys.sessionOfHandle(handle), [
          this.userKey,
          'delete',
          ...forms,
        ]);
        await this.redis.script(INDEX, index, [handle, '0']);
        return reply === 1 || reply === '1' ? 1 : 0;
      },
    );
    return destroyed.reduce<number>((sum, n) => sum + n, 0);
  }

  /** The index of `userId`, the JSON texts its sessions may hold it as, and the handles listed. */
  private async userIndex(userId: string | number): Promise<{ index: string; forms: string[]; handles: string[] }> {
    if (this.userKey === '') {
      throw new SessionError(
        'NOT_CONFIGURED',
        'RedisBackend keeps no user index: set its `userKey` option to the session key that holds the user id',
      );
    }
    const user = userName(userId);
    if (user === undefined) throw invalid('userId', 'expected a string or a finite number');
    const index = this.keys.user(user);
    const handles = await this.redis.command(index, ['ZRANGE', index, '0', '-1']);
    return {
      index,
      forms: storedForms(user),
      handles: Array.isArray(handles) ? handles.filter((h): h is string => typeof h === 'string') : [],
    };
  }

  private async dropStale(index: string, handle: string): Promise<undefined> {
    await this.redis.script(INDEX, index, [handle, '0']);
    return undefined;
  }

  /**
   * Keeps the user index in step with a session after a write: the session leaves its former user's index and joins
   * (or stays in, with a new expiry) its current user's. Done after the session's own script: a cluster puts the two
   * keys on different nodes, and an index entry is only ever a hint that listing checks against the session.
   */
  private async reindex(sessionId: string, ttl: number, before: unknown, after: unknown): Promise<void> {
    if (this.userKey === '') return;
    const handle = digest(sessionId);
    const formerUser = userOfStored(before);
    const user = userOfStored(after);
    if (formerUser !== undefined && formerUser !== user)
      await this.redis.script(INDEX, this.keys.user(formerUser), [handle, '0']);
    if (user !== undefined) await this.redis.script(INDEX, this.keys.user(user), [handle, String(Math.ceil(ttl))]);
  }
}

function invalid(option: string, expected: string): SessionError {
  return new SessionError('INVALID_OPTION', `Invalid RedisBackend option \`${option}\`: ${expected}`);
}

function parseMetadata(text: unknown): RecordMetadata | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    return readRecordMetadata(JSON.parse(text));
  } catch {
    return undefined;
  }
}
