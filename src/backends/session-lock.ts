/**
 * The lock a backend may offer on a session, for `req.session.load({ lock: true })`: requests of one session that
 * ask for it run their read-modify-write one after another. Optional: the cookie backends cannot lock (two requests
 * of one session share no store), and say so when asked.
 *
 * A lock is held by a token, for a lease: should its holder never release it (a crashed process), it ends by itself
 * when the lease is over. Times are milliseconds of the wall clock, not the configured `clock`: locks are about
 * requests running now, not about sessions' lifetimes.
 */
import { randomBytes } from 'node:crypto';
import type { BackendContext, SessionBackend } from './backend';

/** What {@link SessionLocking.acquireLock} is asked for, in milliseconds. */
export interface SessionLockRequest {
  /** How long the lock holds at most, should its holder never release it. */
  readonly lease: number;
  /** How long to wait for a lock another request holds before giving up. */
  readonly wait: number;
}

/** The methods of a backend that can lock sessions. */
export interface SessionLocking {
  /**
   * Takes the lock of the session `sessionId` for `request.lease` ms, waiting up to `request.wait` ms while another
   * holder has it. Resolves with the token that releases it, or `undefined` when the wait is over. Works whether or not
   * a record is stored under the id.
   */
  acquireLock(sessionId: string, request: SessionLockRequest, ctx?: BackendContext): Promise<string | undefined>;
  /** Releases the lock `token` holds; does nothing when its lease is over and another holds the lock now. */
  releaseLock(sessionId: string, token: string, ctx?: BackendContext): Promise<void>;
}

/** Whether `backend` can lock sessions. */
export function hasSessionLocking(backend: SessionBackend): backend is SessionBackend & SessionLocking {
  const candidate = backend as Partial<SessionLocking>;
  return typeof candidate.acquireLock === 'function' && typeof candidate.releaseLock === 'function';
}

/** A new lock token: 128 random bits, so that one holder never releases another's lock. */
export function newLockToken(): string {
  return randomBytes(16).toString('base64url');
}

const FIRST_PAUSE_MS = 2;
const LONGEST_PAUSE_MS = 50;

/**
 * For stores that can only try to take a lock: runs `attempt` until it resolves with a token, or `wait` ms have
 * passed (then `undefined`), pausing a little longer after each miss (2 ms, doubling up to 50 ms, with jitter, so
 * that waiters do not knock in step).
 */
export async function pollForLock(
  attempt: () => Promise<string | undefined>,
  wait: number,
): Promise<string | undefined> {
  const deadline = Date.now() + wait;
  for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
    const token = await attempt();
    if (token !== undefined) return token;
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    await new Promise(resolve => setTimeout(resolve, Math.min(left, pause / 2 + Math.random() * pause)));
  }
}
