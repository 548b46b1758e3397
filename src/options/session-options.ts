/** What users pass to `configureSessions()`, `X.configure()` and `sessionMiddleware()`: the option types and defaults. */
import type { Request } from 'express';
import type { SessionBackend } from '../backends/backend';
import type { SessionValidationOptions } from '../schema/session-schema';
import type { RevocationCheck } from '../session/config';
import { BROWSER_SESSION_LIFETIME } from '../session/expiry';
import type { SessionCookieOptions } from './cookie-options';
import type { SessionHeaderOptions } from './header-option';
import type { SessionEventListener } from '../events/session-event';

/** A backend instance, or a `SessionBackend` class resolved from the typedi container. */
export type BackendOption = SessionBackend | BackendClass;

/** A `SessionBackend` class, abstract or not, with any constructor. */
export type BackendClass = abstract new (...args: never[]) => SessionBackend;

/** Options of `configureSessions()`. Every one is optional except `secretKey` for cookie backends. */
export interface SessionOptions {
  /** Signing secret(s), at least 32 characters each: the first signs, every entry verifies (rotation). */
  secretKey?: string | readonly string[];
  /**
   * Where sessions are stored: an instance, or a class resolved from the typedi container. The classes
   * `CookieBackend` and `EncryptedCookieBackend` (and their subclasses) are built from `secretKey` instead, with the
   * cookie name as their purpose.
   * @default a `CookieBackend` built from `secretKey`
   */
  backend?: BackendOption;
  /** `true`: load the session before every handler; or path prefixes (segment-wise) and RegExps to load it for. @default false */
  autoload?: boolean | ReadonlyArray<string | RegExp>;
  /**
   * Session lifetime in seconds (at most 400 days, browsers' cap). `0`: a browser-session cookie without Max-Age,
   * still expired on the server after {@link BROWSER_SESSION_LIFETIME} seconds.
   * @default 1209600 (14 days)
   */
  lifetime?: number;
  /**
   * The longest lifetime `req.session.setLifetime()` may give a session ("remember me"), in seconds (at most 400
   * days). Raise it to let users be remembered longer than `lifetime`.
   * @default the server-side lifetime: `lifetime`, or {@link BROWSER_SESSION_LIFETIME} when `lifetime` is 0
   */
  maxLifetime?: number;
  /**
   * Count the lifetime from the last activity instead of from creation: activity (a request that loads the
   * session) refreshes the cookie and the record, at most once per `touchAfter`.
   * @default false
   */
  rolling?: boolean;
  /**
   * Seconds of inactivity after which the session ends on the server, whatever the cookie says. Activity refreshes
   * it at most once per `touchAfter`, so it is exact to within `touchAfter` seconds.
   * @default 0 (none)
   */
  idleTimeout?: number;
  /**
   * Seconds after its creation (or its last `regenerate()` without `keepCreatedAt`) at which a session ends, however
   * active it is and however often it is re-signed or refreshed. OWASP recommends one for every application.
   * @default 0 (none; a session that is not rolling still ends after `lifetime`)
   */
  absoluteTimeout?: number;
  /**
   * Seconds of a session's life after which its id changes by itself (OWASP's renewal timeout): data, creation time
   * and deadlines kept. The old id keeps working for `renewalGrace` seconds, for requests already in flight. Cookie
   * backends re-seal the value instead (their old values cannot be revoked and stay valid until they expire).
   * @default 0 (never; `regenerate()` on login still applies)
   */
  renewAfter?: number;
  /**
   * Seconds an id replaced by `renewAfter` still leads to the session. A request that loaded the session with the
   * old id before the renewal and changes it after writes under the old id, where the change ends with the grace
   * period: keep it short.
   * @default 30, or half of renewAfter when that is less
   */
  renewalGrace?: number;
  /**
   * Seconds since the last refresh before activity refreshes a rolling or idle-timed session again. Refreshing
   * sends the cookie again and extends the record (with the backend's cheap `touch()` when it has one, so the data
   * is not rewritten); a smaller value is more exact, a larger one writes less.
   * @default 60, or a quarter of the shortest of lifetime and idleTimeout when that is less
   */
  touchAfter?: number;
  /**
   * Seconds a request that locks its session (`load({ lock: true })`, `@LockSession()`) waits while other requests of
   * the session hold the lock; then it fails with `SessionLockTimeoutError` (503). Fractions allowed.
   * @default 5
   */
  lockTimeout?: number;
  /**
   * Seconds a session lock holds at most, should its holder never release it (a crashed process): longer than your
   * slowest locked request. Fractions allowed.
   * @default 30
   */
  lockLease?: number;
  /**
   * Seconds a backend call may take before the request fails with `SessionBackendError` (503); fractions allowed.
   * `0`: no limit (the backend's own timeouts apply).
   * @default 5
   */
  backendTimeout?: number;
  /**
   * What a failed or timed-out read of the session does. `'fail'`: the request fails with `SessionBackendError`
   * (503). `'degrade'`: the handler gets an empty, anonymous session with `req.session.meta.degraded === true`;
   * changing it, `regenerate()` or `destroy()` still fail with 503, since nothing can be saved.
   * @default 'fail'
   */
  onBackendFailure?: 'fail' | 'degrade';
  /**
   * Called for every session read from the backend: return true to end it (the record is removed and the cookie
   * cleared). The way to revoke copies of stateless cookie sessions, e.g. with a per-user "valid after" time
   * compared with `meta.createdAt`. Runs under `backendTimeout`; a throw counts as a failed read.
   * @default none
   */
  isRevoked?: RevocationCheck;
  /**
   * The session cookie's attributes; `false`: no cookie at all, the id travels in `header` only (which it then
   * requires).
   */
  cookie?: SessionCookieOptions | false;
  /**
   * Also accept the session id in a request header, and send a new or changed id back in a response header, for
   * API and mobile clients that keep no cookies: `'x-session-id'`, `'authorization'` (`Bearer <id>`) or
   * {@link SessionHeaderOptions}. A request that carries the header uses it and ignores its cookie, and its response
   * never sets a cookie; a request without it uses the cookie, unless `cookie: false`.
   * @default none (cookies only)
   */
  header?: string | SessionHeaderOptions;
  /** Also commit the changes of requests that end in a 5xx. @default false (4xx responses always commit) */
  commitOnServerError?: boolean;
  /** Called when a commit fails after the handler finished (the client already gets the error status). */
  onError?: (error: Error, request: Request) => void;
  /**
   * Called with every lifecycle event of a session (created, loaded, regenerated, destroyed, expired, revoked,
   * invalid, store failures): sessions named by a hashed handle, never an id or data. The same events go to the
   * diagnostics channel `SESSION_EVENTS_CHANNEL`. What it throws is ignored.
   */
  onEvent?: SessionEventListener;
  /** Clock in milliseconds since the epoch; replace it in tests to move time. @default Date.now */
  clock?: () => number;
  /**
   * A class-validator / class-transformer class: session data is turned into it and validated when it loads, and
   * turned back into plain JSON when it is saved. @default none
   */
  schema?: new (...args: never[]) => object;
  /** How `schema` is applied: validator and transformer options, the invalid-data policy, a check before saving. */
  validation?: SessionValidationOptions;
}

/** Default `lifetime`: 14 days, in seconds. */
export const DEFAULT_LIFETIME = 14 * 24 * 3600;
export { BROWSER_SESSION_LIFETIME };
