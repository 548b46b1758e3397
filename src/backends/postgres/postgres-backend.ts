/**
 * PostgresBackend: sessions in a PostgreSQL table, through a `pg` 8 `Pool` (or `Client`) the app creates.
 *
 * One row per session under the SHA-256 of its id; the record as `jsonb`. Writes from the middleware change only the
 * keys a request changed, in one statement that does nothing if the row is gone, so concurrent requests on one
 * session keep each other's changes and a logout stays a logout (the semantics of RedisBackend). Expired rows are
 * never read and are pruned in the background. Session locks are rows of `<table>_locks`.
 */
import { SessionError } from '../../errors';
import { debug } from '../../internal/debug';
import { digest } from '../../internal/digest';
import type { RecordMetadata, SessionRecord } from '../../record';
import { fieldsText } from '../../serializers/record-fields';
import { BackendContext, SessionBackend, contextNow } from '../backend';
import { RowFormat, type RowStoreOptions, type RowWrites, type UserRow, rowStoreSettings } from '../row-writes';
import type { UserSessionInfo, UserSessions } from '../user-sessions';
import { isTableName, lockTableOf, lockTableSchema, postgresSessionSchema, quoted, statements } from './schema';
import { newLockToken, pollForLock, type SessionLockRequest, type SessionLocking } from '../session-lock';

/** What PostgresBackend needs of a `pg` Pool or Client: parameterised queries. */
export interface PostgresQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** Options of {@link PostgresBackend}. */
export interface PostgresBackendOptions extends RowStoreOptions {
  /**
   * A `pg` 8 `Pool` (or a connected `Client`); the app owns it: PostgresBackend never connects or ends it. For
   * fail-fast behaviour give the pool a `connectionTimeoutMillis` and a `query_timeout` (the middleware's
   * `backendTimeout` answers 503 in any case).
   */
  pool: PostgresQueryable;
  /** The table, optionally schema-qualified (`app.sessions`). @default 'sessions' */
  table?: string;
}

/** U+0000 in JSON text: `\\u0000` after an even number of backslashes (an odd one escapes the backslash). */
const ESCAPED_NUL = /(?:^|[^\\])(?:\\\\)*\\u0000/;

/**
 * Sessions in PostgreSQL: shared by every process of the app, revocable, kept across restarts.
 *
 * @example
 * import { Pool } from 'pg';
 * const pool = new Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 2000 });
 * configureSessions({ secretKey, backend: new PostgresBackend({ pool }) });
 */
export class PostgresBackend extends SessionBackend implements UserSessions, SessionLocking {
  private readonly pool: PostgresQueryable;
  private readonly format: RowFormat;
  private readonly sql: ReturnType<typeof statements>;
  private readonly schema: string | undefined;
  private readonly table: string;
  /** The table exists (or is being created): every statement waits for it. */
  private ready: Promise<void> | undefined;
  /**
   * The locks table exists (or is being created): asked for by the first lock, so that a sessions table made by an
   * earlier version keeps working for every route that does not lock, whatever the role may create.
   */
  private locksReady: Promise<void> | undefined;
  private pruner: NodeJS.Timeout | undefined;
  private readonly writes: RowWrites = {
    create: async (key, text, user, expires, now) =>
      (await this.query(this.sql.create, [key, text, user, expires, now])).rowCount === 1,
    upsert: (key, text, user, expires) => this.query(this.sql.upsert, [key, text, user, expires]),
    merge: (key, { set, removed }, user, expires, now) =>
      this.query(this.sql.merge, [key, removed, fieldsText(set), user !== undefined, user ?? null, expires, now]),
    replaceExisting: (key, text, user, expires, now) =>
      this.query(this.sql.replaceExisting, [key, text, user, expires, now]),
  };

  constructor(options: PostgresBackendOptions) {
    super();
    if (typeof options !== 'object' || options === null) throw invalid('options', 'expected an object with a `pool`');
    const { pool, table = 'sessions' } = options;
    if (typeof (pool as Partial<PostgresQueryable> | null)?.query !== 'function') {
      throw invalid('pool', 'expected a pg Pool or Client (new Pool() from the pg package)');
    }
    if (typeof table !== 'string' || !isTableName(table)) {
      throw invalid('table', 'expected a table name of letters, digits and _, optionally schema-qualified');
    }
    const { createTable, pruneInterval, format } = rowStoreSettings('PostgresBackend', options);
    this.format = format;
    this.pool = pool;
    this.sql = statements(table);
    this.schema = createTable ? postgresSessionSchema(table) : undefined;
    this.table = table;
    if (pruneInterval > 0) this.schedulePrune(pruneInterval);
  }

  async read(sessionId: string, ctx?: BackendContext): Promise<SessionRecord | undefined> {
    const key = digest(sessionId);
    const { rows } = await this.query(this.sql.read, [key, contextNow(ctx)]);
    const row = rows[0] as { data: string } | undefined;
    return row === undefined ? undefined : this.format.recordOf(key, row.data);
  }

  /**
   * Stores `data`. From the middleware (`ctx.isNew === false`): only if the session still exists, and with
   * `ctx.changes` only the keys it names. A new session (`ctx.isNew === true`) is created only where no live row is,
   * under another id if need be. A direct call replaces whatever is stored. A TTL under 1 deletes the session.
   */
  async write(data: SessionRecord, sessionId?: string, ctx?: BackendContext): Promise<string> {
    return this.format.write(this, data, sessionId, ctx, this.writes);
  }

  async remove(sessionId: string): Promise<void> {
    await this.query(this.sql.remove, [digest(sessionId)]);
  }

  override async exists(sessionId: string, ctx?: BackendContext): Promise<boolean> {
    const { rows } = await this.query(this.sql.exists, [digest(sessionId), contextNow(ctx)]);
    return rows.length > 0;
  }

  /** Stores `metadata` and moves the expiry to `ctx.ttl` from now, if the session still exists. */
  override async touch(sessionId: string, metadata: RecordMetadata, ctx: BackendContext): Promise<void> {
    if (!(ctx.ttl >= 1)) return this.remove(sessionId);
    const now = contextNow(ctx);
    await this.query(this.sql.touch, [digest(sessionId), JSON.stringify(metadata), now + Math.ceil(ctx.ttl), now]);
  }

  handleOf(sessionId: string): string {
    return digest(sessionId);
  }

  /** Locks in the `<table>_locks` table, polled while another holds one; leases on the database's clock. */
  async acquireLock(sessionId: string, request: SessionLockRequest): Promise<string | undefined> {
    await (this.locksReady ??= this.createLockTable());
    const key = digest(sessionId);
    const token = newLockToken();
    const lease = Math.max(1, Math.ceil(request.lease));
    const attempt = async () =>
      (await this.query(this.sql.lock, [key, token, lease])).rowCount === 1 ? token : undefined;
    return pollForLock(attempt, request.wait);
  }

  async releaseLock(sessionId: string, token: string): Promise<void> {
    await this.query(this.sql.unlock, [digest(sessionId), token]);
  }

  async listUserSessions(userId: string | number): Promise<UserSessionInfo[]> {
    const users = this.format.userColumns(userId);
    const now = Date.now();
    const { rows } = await this.query(this.sql.listUser, [users, this.format.users.labelKey, Math.floor(now / 1000)]);
    return (rows as UserRow[]).map(row => this.format.sessionInfo(row, now));
  }

  async destroyUserSessions(userId: string | number, options: { except?: string } = {}): Promise<number> {
    const users = this.format.userColumns(userId);
    const kept = options.except === undefined ? null : digest(options.except);
    const { rowCount } = await this.query(this.sql.destroyUser, [users, kept, Math.floor(Date.now() / 1000)]);
    return rowCount ?? 0;
  }

  /** Deletes the expired rows now, and the locks whose lease ended; returns how many sessions. The background pruning calls it. */
  async prune(now = Math.floor(Date.now() / 1000)): Promise<number> {
    const { rowCount } = await this.query(this.sql.prune, [now]);
    // Only where this process locked: the locks table may not exist where nothing locks.
    if (this.locksReady !== undefined) await this.query(this.sql.pruneLocks, []);
    return rowCount ?? 0;
  }

  /** Stops the background pruning (the pool stays the app's to end). */
  close(): void {
    clearTimeout(this.pruner);
    this.pruner = undefined;
  }

  private async query(text: string, values: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }> {
    // jsonb cannot hold U+0000, and PostgreSQL's error would quote the start of the data: refuse it here.
    if (values.some(value => typeof value === 'string' && ESCAPED_NUL.test(value))) {
      throw new Error('a string in the session holds U+0000, which PostgreSQL jsonb cannot store');
    }
    if (this.schema !== undefined) await (this.ready ??= this.createTable(this.schema));
    return this.pool.query(text, values);
  }

  /**
   * Creates the table once, unless it exists: a role with no right to create tables (the table made by migrations)
   * works, and an existing index costs no lock. A failure is retried by the next statement.
   */
  private async createTable(schema: string): Promise<void> {
    try {
      await this.createUnlessPresent(this.table, schema);
    } catch (error) {
      this.ready = undefined;
      throw error;
    }
  }

  /** Creates the locks table once when `createTable` is on and it is missing; a failure is retried by the next lock. */
  private async createLockTable(): Promise<void> {
    const locks = lockTableOf(this.table);
    if (locks.split('.').pop()!.length > 63) {
      throw new Error(
        `the locks table of ${this.table} would need a name over 63 characters: use a shorter table name`,
      );
    }
    if (this.schema === undefined) return;
    try {
      await this.createUnlessPresent(locks, lockTableSchema(this.table));
    } catch (error) {
      this.locksReady = undefined;
      throw error;
    }
  }

  /** Runs `ddl` unless `table` exists; another process creating it at the same moment counts as done. */
  private async createUnlessPresent(table: string, ddl: string): Promise<void> {
    try {
      const { rows } = await this.pool.query('SELECT to_regclass($1) IS NOT NULL AS present', [quoted(table)]);
      if ((rows[0] as { present?: boolean } | undefined)?.present === true) return;
      await this.pool.query(ddl);
    } catch (error) {
      if ((error as { code?: string }).code !== '23505') throw error;
    }
  }

  private schedulePrune(interval: number): void {
    const jittered = interval * 1000 * (0.75 + Math.random() / 2);
    this.pruner = setTimeout(() => {
      // A pool the app ended takes no more statements: pruning ends with it.
      if ((this.pool as { ending?: boolean }).ending === true) return this.close();
      this.prune()
        .then(
          removed => debug('postgres: pruned %d expired sessions', removed),
          (error: Error) => debug('postgres: pruning failed (%s)', error.name),
        )
        // The next one once this one is done: prunes that wait on a lock never pile up.
        .finally(() => this.pruner !== undefined && this.schedulePrune(interval));
    }, jittered).unref();
  }
}

function invalid(option: string, expected: string): SessionError {
  return new SessionError('INVALID_OPTION', `Invalid PostgresBackend option \`${option}\`: ${expected}`);
}
