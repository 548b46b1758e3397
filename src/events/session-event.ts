/** What the lifecycle events of sessions look like: the `onEvent` option's argument and the channel's message. */
import type { Request } from 'express';
import type { BackendOperation } from '../errors';

/**
 * - `created`: a new session was first stored. `loaded`: a stored session was read and adopted.
 * - `regenerated`: `regenerate()` moved the session to a new id; `renewed`: the `renewAfter` option did.
 * - `destroyed`: `destroy()`, or a session emptied of data, removed its record.
 * - `expired`, `revoked`, `invalid`: a stored session was ended on the server when it loaded (past its lifetime or
 *   timeouts; `isRevoked` said so; its data failed the schema or was not a plain object). `expired` needs a record
 *   to end: the backends here drop records at their end by themselves, which then read as no session; it tells of
 *   records the server ends early (a shortened lifetime or timeout) or a store that keeps them too long. Under a
 *   schema's `onInvalid: 'reject'`, `invalid` comes with every request that loads the record (answered 400), which
 *   stays.
 * - `store-failure`, `store-timeout`: a backend call failed, or did not answer within `backendTimeout`.
 */
export type SessionEventType =
  | 'created'
  | 'loaded'
  | 'regenerated'
  | 'renewed'
  | 'destroyed'
  | 'expired'
  | 'revoked'
  | 'invalid'
  | 'store-failure'
  | 'store-timeout';

/** One lifecycle event. It never holds an id, a cookie value or session data: sessions are named by handles. */
export interface SessionEvent {
  readonly type: SessionEventType;
  /**
   * The session's handle: the SHA-256 of its id, base64url, as `listUserSessions()` shows it (on the cookie backends,
   * of the cookie value, which changes with every write). Absent when the request had no session yet.
   */
  readonly handle?: string;
  /** `regenerated`, `renewed`: the handle of the id the session had before; absent when it had none stored. */
  readonly previousHandle?: string;
  /** `store-failure`, `store-timeout`: the backend call that failed. */
  readonly operation?: BackendOperation;
  /** The backend's class name (`RedisBackend`...). */
  readonly backend: string;
}

/** The `onEvent` option: called synchronously for every event of the request `request`; what it throws is ignored. */
export type SessionEventListener = (event: SessionEvent, request: Request) => void;
