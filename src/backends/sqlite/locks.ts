/**
 * SqliteBackend's session locks: rows of `<table>_locks` (the hashed id, the holder's token, the lease's end in unix
 * ms), taken by one upsert that only takes a free or expired lock, so processes sharing the file exclude each other.
 * Leases run on the machine's clock, which every process on the file shares. Prepared on first use: a database whose
 * migrations predate locking works until a route locks.
 */
import type { Database, Statement } from 'better-sqlite3';
import { digest } from '../../internal/digest';
import { newLockToken, pollForLock, type SessionLockRequest } from '../session-lock';
import { lockTableOf, quotedTable } from './schema';

interface LockStatements {
  /** Parameters: row key, token, lease end, now. Changes one row when the lock is taken. */
  readonly lock: Statement<[string, string, number, number]>;
  /** Parameters: row key, token. */
  readonly unlock: Statement<[string, string]>;
  /** Parameters: now. */
  readonly prune: Statement<[number]>;
}

export class SqliteLocks {
  private statements: LockStatements | undefined;

  constructor(
    private readonly db: Database,
    private readonly table: string,
  ) {}

  acquire(sessionId: string, request: SessionLockRequest): Promise<string | undefined> {
    const key = digest(sessionId);
    const token = newLockToken();
    const { lock } = this.sql();
    const attempt = async () => {
      const now = Date.now();
      return lock.run(key, token, now + request.lease, now).changes === 1 ? token : undefined;
    };
    return pollForLock(attempt, request.wait);
  }

  release(sessionId: string, token: string): void {
    this.sql().unlock.run(digest(sessionId), token);
  }

  /** Deletes the locks whose lease ended; nothing where this process never locked (the table may not exist). */
  prune(): void {
    this.statements?.prune.run(Date.now());
  }

  private sql(): LockStatements {
    if (this.statements !== undefined) return this.statements;
    const t = quotedTable(lockTableOf(this.table));
    return (this.statements = {
      lock: this.db.prepare(
        `INSERT INTO ${t} (id, token, expires) VALUES (?, ?, ?) ` +
          `ON CONFLICT (id) DO UPDATE SET token = excluded.token, expires = excluded.expires WHERE expires <= ?`,
      ),
      unlock: this.db.prepare(`DELETE FROM ${t} WHERE id = ? AND token = ?`),
      prune: this.db.prepare(`DELETE FROM ${t} WHERE expires <= ?`),
    });
  }
}
