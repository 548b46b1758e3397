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
  | 'NOT_CONFIGURED'
  | 'NOT_LOADED'
  | 'RESERVED_KEY'
  | 'LOADED_TOO_LATE'
  | 'COOKIE_TOO_LARGE'
  | 'INVALID_SESSION_ID'
  | 'MIDDLEWARE_MISSING'
  | 'MIDDLEWARE_CONFLICT';

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
export class SessionNotLoaded extends SessionError {
  constructor(key?: string) {
    super(
      'NOT_LOADED',
      `The session is not loaded${key === undefined ? '' : ` (accessed "${key}")`}: ` +
        'call `await req.session.load()` first, inject it with @SessionParam() or @CurrentSession(), ' +
        'or enable the `autoload` option.',
    );
  }
}

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
export type BackendOperation = 'read' | 'write' | 'remove';

/**
 * The session backend failed (threw or rejected). The request fails with 503: nothing is reported
 * as saved that was not saved.
 *
 * The original error is kept as `cause` for your logs; it comes from your backend and its driver, so check what
 * they put in messages before logging it verbatim.
 */
export class SessionBackendError extends HttpError {
  /** Same as `httpCode`, for express's own error handler. */
  readonly status = 503;
  readonly code = 'BACKEND_FAILURE';

  constructor(
    readonly operation: BackendOperation,
    options?: { cause?: unknown },
  ) {
    super(503, `The session store failed to ${operation} the session; try again later.`);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'SessionBackendError';
    if (options && 'cause' in options) Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false });
  }
}
