/**
 * InMemoryBackend's session locks: one table in the process, waiters queued first come first served and handed
 * the lock as it is released, so nobody polls. An uncontended lock is one Map entry and no timer; a lease timer is
 * set only once someone waits.
 */
import type { SessionLockRequest } from './session-lock';

interface Waiter {
  readonly lease: number;
  readonly grant: (token: string | undefined) => void;
  timer?: NodeJS.Timeout;
}

interface HeldLock {
  token: string;
  /** When the lease ends (ms since the epoch). */
  until: number;
  readonly waiters: Waiter[];
  /** Hands the lock on when the lease ends first; set while someone waits. */
  leaseTimer?: NodeJS.Timeout;
}

export class MemoryLocks {
  private readonly held = new Map<string, HeldLock>();
  /** Tokens only this process sees: a counter is enough to tell holders apart. */
  private issued = 0;

  acquire(key: string, request: SessionLockRequest): Promise<string | undefined> {
    const now = Date.now();
    const expired = this.held.get(key);
    // A lease that ran out goes to whoever waited for it first.
    if (expired !== undefined && expired.until <= now) this.handOn(key, expired);
    const lock = this.held.get(key);
    if (lock === undefined) {
      const token = this.newToken();
      this.held.set(key, { token, until: now + request.lease, waiters: [] });
      return Promise.resolve(token);
    }
    if (request.wait <= 0) return Promise.resolve(undefined);
    return new Promise(resolve => {
      const waiter: Waiter = { lease: request.lease, grant: resolve };
      // Not unref'd: a waiter is a request (or a script) waiting, for at most `wait`.
      waiter.timer = setTimeout(() => {
        lock.waiters.splice(lock.waiters.indexOf(waiter), 1);
        resolve(undefined);
      }, request.wait);
      lock.waiters.push(waiter);
      this.watchLease(key, lock);
    });
  }

  release(key: string, token: string): void {
    const lock = this.held.get(key);
    if (lock?.token === token) this.handOn(key, lock);
  }

  /** Gives the lock to the first waiter, or drops it when nobody waits. */
  private handOn(key: string, lock: HeldLock): void {
    this.endLease(lock);
    const next = lock.waiters.shift();
    if (next === undefined) {
      this.held.delete(key);
      return;
    }
    clearTimeout(next.timer);
    lock.token = this.newToken();
    lock.until = Date.now() + next.lease;
    if (lock.waiters.length > 0) this.watchLease(key, lock);
    next.grant(lock.token);
  }

  /** Hands the lock on at the end of its lease, should its holder not release it first. */
  private watchLease(key: string, lock: HeldLock): void {
    if (lock.leaseTimer !== undefined) return;
    const token = lock.token;
    lock.leaseTimer = setTimeout(
      () => {
        lock.leaseTimer = undefined;
        if (lock.token === token && this.held.get(key) === lock) this.handOn(key, lock);
      },
      Math.max(0, lock.until - Date.now()),
    ).unref();
  }

  private endLease(lock: HeldLock): void {
    clearTimeout(lock.leaseTimer);
    lock.leaseTimer = undefined;
  }

  private newToken(): string {
    return String(++this.issued);
  }
}
