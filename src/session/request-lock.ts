/**
 * The lock one request holds on its session (`load({ lock: true })`): taken before the session is read, released
 * once the commit is done. Not when the client goes away: the handler may still be changing the session. Should the
 * release fail, the response never start, or the process die, the lock ends with its lease.
 */
import type { SessionBackend } from '../backends/backend';
import type { SessionLocking } from '../backends/session-lock';
import { SessionError, SessionLockTimeoutError } from '../errors';
import type { SessionConfig } from './config';
import { ignore } from './refusals';
import type { StoredRecord } from './stored-record';

/** The error of a lock asked of a backend that cannot lock. */
export function lockUnsupported(backend: SessionBackend): SessionError {
  return new SessionError(
    'LOCK_UNSUPPORTED',
    `${backend.constructor.name} cannot lock sessions (requests of one session share no store to lock in): ` +
      'use a server-side backend such as RedisBackend on locked routes',
  );
}

export class RequestLock {
  private released = false;

  private constructor(
    private readonly record: StoredRecord,
    private readonly release: () => Promise<void>,
  ) {}

  /**
   * Takes the lock of the session `id`, waiting up to `lockTimeout`.
   *
   * @throws SessionLockTimeoutError (503) when other requests held it all that time.
   */
  static async acquire(config: SessionConfig, record: StoredRecord, id: string): Promise<RequestLock> {
    // load() refused a backend that cannot lock (hasSessionLocking) before anything asks for a lock.
    const backend = config.backend as SessionBackend & SessionLocking;
    const { lockTimeout: wait, lockLease: lease, backendTimeout } = config;
    // The wait is part of the call: the backend's own time limit comes on top of it.
    const limit = backendTimeout === 0 ? 0 : wait + backendTimeout;
    let acquiring: Promise<string | undefined> | undefined;
    let token: string | undefined;
    try {
      token = await record.callBackend('lock', () => (acquiring = backend.acquireLock(id, { lease, wait })), limit);
    } catch (error) {
      // Given up on, the call may still take the lock: release it then, rather than leave it to its lease.
      Promise.resolve(acquiring)
        .then(late => (late === undefined ? undefined : backend.releaseLock(id, late)))
        .catch(ignore);
      throw error;
    }
    if (token === undefined) throw new SessionLockTimeoutError(wait);
    const taken = token;
    return new RequestLock(record, () => backend.releaseLock(id, taken));
  }

  /**
   * Releases the lock, once; nothing waits for the store, so no time limit either: a release that never answers
   * leaves the lock to its lease.
   */
  end(): void {
    if (this.released) return;
    this.released = true;
    this.record.callBackend('unlock', this.release, 0).catch(ignore);
  }
}
