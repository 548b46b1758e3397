/** The error RedisBackend raises itself when it refuses to wait for Redis. */

/** Why a command was refused without an answer from Redis. */
export type RedisUnavailableReason = 'not-ready' | 'timeout' | 'busy';

/**
 * Redis could not be used, so the backend failed fast instead of waiting: the client was not connected
 * (`not-ready`), Redis did not answer within `commandTimeout` (`timeout`), or too many commands were already waiting
 * for an answer (`busy`). During a request the middleware turns it into a `SessionBackendError` (503).
 *
 * After a `timeout` the command may still run once Redis answers again: a 503 means "not known to be saved", not
 * "certainly not saved".
 *
 * @example
 * try { await backend.destroyUserSessions(userId); }
 * catch (e) { if (e instanceof RedisUnavailableError) return retryLater(); throw e; }
 */
export class RedisUnavailableError extends Error {
  constructor(
    readonly reason: RedisUnavailableReason,
    message: string,
  ) {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}
