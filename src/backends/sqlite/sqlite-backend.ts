/**
 * SqliteBackend: sessions in an SQLite file through better-sqlite3 12, shared by every process on the machine that
 * opens the same file, and kept across restarts.
 *
 * One row per session under the SHA-256 of its id; the record as JSON text. Writes from the middleware change
 * only the keys a request changed, in one statement that does nothing if the row is gone, so concurrent requests on
 * one session keep each other's changes and a logout stays a logout (the semantics of RedisBackend). Expiry is
 * measured on `ctx.now`; expired rows are never read and are deleted in the background.
 *
 * better-sqlite3 is synchronous: a statement blocks the event loop while it runs, and a write waits for another
 * process's write lock for at most `busyTimeout` milliseconds, then fails (503) rather than hangs.
 */
import type { Database } from 'better-sqlite3';
import { debug } from '../../internal/debug';
import type { RecordMetadata, SessionRecord } from '../../record';
import { digest } from '../../internal/digest';
import { stringifySession } from '../../serializers/json';
import { BackendContext, SessionBackend, contextNow } from '../backend';
import { RowFormat, type RowWrites, rowStoreSettings } from '../row-writes';
import type { UserSessionInfo, UserSessions } from '../user-sessions';
import { isTableName, keyPath, sqliteSessionSchema } from './schema';
import { checkedDatabase, invalid, openFile } from './database';
import type { SqliteBackendOptions } from './options';
import { SessionStatements, supportsKeyPaths } from './statements';
import { SqliteLocks } from './locks';
import type { SessionLockRequest, SessionLocking } from '../session-lock';

const DEFAULT_TABLE = 'sessions';
/** Rows deleted per statement while pruning: each batch holds the write lock only briefly. */
const PRUNE_BATCH = 500;

/**
 * Sessions in an SQLite file: revocable, shared by the processes of one machine, kept across restarts.
 *
 * @example
 * configureSessions({ secretKey, backend: new SqliteBackend({ filename: 'var/sessions.db' }) });
 */
export class SqliteBackend extends SessionBackend implements UserSessions, SessionLocking {
  private readonly db: Database;
  private readonly format: RowFormat;
  /** Whether `close()` closes the database: only one this backend opened. */
  private readonly ownsDatabase: boolean;
  private readonly sql: SessionStatements;
  private readonly locks: SqliteLocks;
  private pruner: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly writes: RowWrites = {
    create: (key, text, user, expires, now) => this.sql.create.run(key, text, user, expires, now).changes > 0,
    upsert: (key, text, user, expires) => this.sql.upsert.run(key, text, user, expires),
    merge: (key, changes, user, expires, now) => this.sql.merge(key, changes, user, expires, now),
    replaceExisting: (key, text, user, expires, now) => this.sql.replaceExisting.run(text, user, expires, key, now),
  };

  constructor(options: SqliteBackendOptions) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw invalid('options', 'expected an object with a `filename` or a `database`');
    }
    const { table = DEFAULT_TABLE } = options;
    if (!isTableName(table))
      throw invalid('table', 'expected 1 to 63 letters, digits and _, not starting with a digit');
    const { createTable, pruneInterval, format } = rowStoreSettings('SqliteBackend', options);
    this.format = format;
    this.ownsDatabase = options.database === undefined;
    this.db = this.ownsDatabase ? openFile(options) : checkedDatabase(options);
    try {
      if (!supportsKeyPaths(this.db)) {
        throw invalid(
          'database',
          'its SQLite lacks the JSON functions or escaped path labels (the SQLite better-sqlite3 12 bundles has both)',
        );
      }
      if (createTable) this.db.exec(sqliteSessionSchema(table));
      this.sql = new SessionStatements(this.db, table);
      this.locks = new SqliteLocks(this.db, table);
    } catch (error) {
      if (this.ownsDatabase) this.db.close();
      throw error;
    }
    if (pruneInterval > 0) this.schedulePrune(pruneInterval);
  }

  async read(sessionId: string, ctx?: BackendContext): Promise<SessionRecord | undefined> {
    const key = digest(sessionId);
    const text = this.sql.read.get(key, contextNow(ctx));
    // A column holding anything but JSON text (another program's bytes) is no session.
    return typeof text === 'string' ? this.format.recordOf(key, text) : undefined;
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
    this.sql.remove.run(digest(sessionId));
  }

  override async exists(sessionId: string, ctx?: BackendContext): Promise<boolean> {
    return this.sql.exists.get(digest(sessionId), contextNow(ctx)) !== undefined;
  }

  /** Stores `metadata` and moves the expiry to `ctx.ttl` from now, if the session still exists; data stay as they are. */
  override async touch(sessionId: string, metadata: RecordMetadata, ctx: BackendContext): Promise<void> {
    if (!(ctx.ttl >= 1)) return this.remove(sessionId);
    const now = contextNow(ctx);
    this.sql.touch.run(stringifySession(metadata), now + Math.ceil(ctx.ttl), digest(sessionId), now);
  }

  handleOf(sessionId: string): string {
    return digest(sessionId);
  }

  /** Locks in the `<table>_locks` table of the file, polled while another holds one. */
  acquireLock(sessionId: string, request: SessionLockRequest): Promise<string | undefined> {
    return this.locks.acquire(sessionId, request);
  }

  async releaseLock(sessionId: string, token: string): Promise<void> {
    this.locks.release(sessionId, token);
  }

  async listUserSessions(userId: string | number): Promise<UserSessionInfo[]> {
    const users = JSON.stringify(this.format.userColumns(userId));
    const { labelKey } = this.format.users;
    const now = Date.now();
    const rows = this.sql.listUser.all(labelKey === '' ? null : keyPath(labelKey), users, Math.floor(now / 1000));
    return rows.map(row => this.format.sessionInfo(row, now));
  }

  async destroyUserSessions(userId: string | number, options: { except?: string } = {}): Promise<number> {
    const users = JSON.stringify(this.format.userColumns(userId));
    const kept = options.except === undefined ? null : digest(options.except);
    return this.sql.destroyUser.run(users, kept, Math.floor(Date.now() / 1000)).changes;
  }

  /**
   * Deletes the rows expired at `now` (unix seconds, the wall clock by default); returns how many. In batches, with
   * the event loop free between them, so a large backlog never stalls requests. The background pruning calls it.
   */
  async prune(now = Math.floor(Date.now() / 1000)): Promise<number> {
    let removed = 0;
    for (;;) {
      const { changes } = this.sql.pruneBatch.run(now, PRUNE_BATCH);
      removed += changes;
      if (changes < PRUNE_BATCH) {
        this.locks.prune();
        return removed;
      }
      await new Promise(resolve => setImmediate(resolve));
      if (this.closed) return removed;
    }
  }

  /** Stops the background pruning, and closes the database if this backend opened it (a `database` stays open). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.pruner);
    this.pruner = undefined;
    if (this.ownsDatabase && this.db.open) this.db.close();
  }

  private schedulePrune(interval: number): void {
    // Jittered, so that processes started together do not all prune at the same moment.
    const delay = interval * 1000 * (0.75 + Math.random() / 2);
    this.pruner = setTimeout(() => {
      // A database the app closed takes no more statements: pruning ends with it.
      if (this.closed || !this.db.open) return void this.close();
      this.prune().then(
        removed => debug('sqlite: pruned %d expired sessions', removed),
        (error: Error) => debug('sqlite: pruning failed (%s)', error.name),
      );
      this.schedulePrune(interval);
    }, delay).unref();
  }
}
