/**
 * RedisBackend's session locks: `SET NX PX` takes one, a script that compares tokens releases it, and Redis expires
 * it with its lease, so a process killed while holding one blocks nobody for longer. Waiters poll (see pollForLock).
 */
import { newLockToken, pollForLock, type SessionLockRequest } from '../session-lock';
import type { RedisConnection } from './redis-connection';
import { UNLOCK } from './scripts';
import type { SessionKeys } from './session-keys';

export class RedisLocks {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: SessionKeys,
  ) {}

  acquire(sessionId: string, request: SessionLockRequest): Promise<string | undefined> {
    const key = this.keys.lock(sessionId);
    const token = newLockToken();
    const lease = String(Math.max(1, Math.ceil(request.lease)));
    const attempt = async () =>
      (await this.redis.command(key, ['SET', key, token, 'NX', 'PX', lease])) === 'OK' ? token : undefined;
    return pollForLock(attempt, request.wait);
  }

  async release(sessionId: string, token: string): Promise<void> {
    await this.redis.script(UNLOCK, this.keys.lock(sessionId), [token]);
  }
}
