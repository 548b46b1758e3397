/**
 * The library's errors, in two families.
 *
 * - {@link SessionError}: a configuration or programming mistake (bad option, session used before loading,
 *   data too large for a cookie). Each has a stable `code`. Answered as 500 if it happens during a request.
 * - {@link SessionBackendError}: the session store failed. An `HttpError` (503) so routing-controllers and
 *   express both answer with the right status, whichever path the error takes.
 *
 * No message ever contains a secret, a cookie value or a session id.
 */
import { HttpError } from 'routing-controllers';

/** Stable codes of {@link SessionError}, for programs that branch on them. */
export type SessionErrorCode =
  | 'INVALID_OPTION'
  | 'INVALID_ARGUMENT'
  | 'NOT_CONFIGURED'
  | 'NOT_LOADED'
  | 'RESERVED_KEY'
  | 'LOADED_TOO_LATE'
  | 'SAVED_TOO_LATE'
  | 'COOKIE_TOO_LARGE'
  | 'INVALID_SESSION_ID'
  | 'MIDDLEWARE_MISSING'
  | 'MIDDLEWARE_CONFLICT'
  | 'LOCK_UNSUPPORTED'
  | 'LOCKED_TOO_LATE';

/**
 * A configuration or programming mistake. Carries a stable {@link SessionErrorCode}.
 *
 * @example
 * try { configureSessions({ secretKey: 'short' }); }
 * catch (e) { if (e instanceof SessionError && e.code === 'INVALID_OPTION') process.exit(1); }
 */
export class SessionError extends Error {
  /** HTTP status used when this error ends a request. */
  readonly httpCode: number = 500;
  /** Same as `httpCode`, for express's own error handler. */
  readonly status: number = 500;

  constructor(
    readonly code: SessionErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Thrown when session data is read or written before the session was loaded.
 *
 * Fix: `await req.session.load()` first, use `@SessionParam()` / `@CurrentSession()`, or set `autoload`.
 */
export class SessionNotLoadedError extends SessionError {
  constructor(key?: string) {
    super(
      'NOT_LOADED',
      `The session is not loaded${key === undefined ? '' : ` (accessed "${key}")`}: ` +
        'call `await req.session.load()` first, inject it with @SessionParam() or @CurrentSession(), ' +
        'or enable the `autoload` option.',
    );
    // The name clients and logs saw before the rename; it follows the class when the alias goes.
    this.name = 'SessionNotLoaded';
  }
}

/** @deprecated Since 0.3: renamed {@link SessionNotLoadedError}; `instanceof` works with either. */
export const SessionNotLoaded = SessionNotLoadedError;
/** @deprecated Since 0.3: renamed {@link SessionNotLoadedError}. */
export type SessionNotLoaded = SessionNotLoadedError;

/** One property that failed the session schema; never carries the value. */
export interface SessionValidationIssue {
  property: string;
  /** Constraint name to message, as class-validator reports them. */
  constraints: Record<string, string>;
  children: SessionValidationIssue[];
}

/**
 * Session data failed the `schema`: stored data under `validation.onInvalid: 'reject'` (400), or data about to be
 * saved under `validation.beforeSave` (500). `errors` says which properties and constraints, never the values.
 */
export class SessionValidationError extends HttpError {
  readonly status: number;
  readonly code: 'INVALID_SESSION';

  constructor(
    status: 400 | 500,
    message: string,
    readonly errors: SessionValidationIssue[],
  ) {
    super(status, message);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'SessionValidationError';
    this.status = status;
    this.code = 'INVALID_SESSION';
  }
}

/** Which backend call failed; part of {@link SessionBackendError}. */
export type BackendOperation = 'read' | 'write' | 'touch' | 'remove' | 'lock' | 'unlock';

/**
 * The session backend failed (threw, rejected, or did not answer within `backendTimeout`). The request fails with
 * 503: nothing is reported as saved that was not saved.
 *
 * The original error is kept as `cause` for your logs; it comes from your backend and its driver, so check what
 * they put in messages before logging it verbatim.
 */
export class SessionBackendError extends HttpError {
  /** Same as `httpCode`, for express's own error handler. */
  readonly status = 503;
  readonly code = 'BACKEND_FAILURE';

  /** Whether the store did not answer within `backendTimeout`, rather than failing. */
  readonly timedOut: boolean;

  /** `timeout`: the call did not answer within so many milliseconds. */
  constructor(
    readonly operation: BackendOperation,
    options?: { cause?: unknown; timeout?: number },
  ) {
    const timeout = options?.timeout;
    super(
      503,
      timeout === undefined
        ? `The session store failed to ${operation} the session; try again later.`
        : `The session store did not answer (${operation}) within ${timeout} ms; try again later.`,
    );
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'SessionBackendError';
    this.timedOut = timeout !== undefined;
    if (options && 'cause' in options)
      Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false });
  }
}

/**
 * `req.session.load({ lock: true })` waited `lockTimeout` seconds for the session's lock, which other requests of
 * the same session held all that time. The request fails with 503; the client may retry.
 */
export class SessionLockTimeoutError extends HttpError {
  /** Same as `httpCode`, for express's own error handler. */
  readonly status = 503;
  readonly code = 'LOCK_TIMEOUT';

  /** `waited`: milliseconds. */
  constructor(waited: number) {
    super(503, `Another request of this session held its lock for ${waited} ms; try again later.`);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'SessionLockTimeoutError';
  }
}
