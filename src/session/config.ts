/**
 * What the session of a request reads: the checked, defaulted, frozen configuration that `options/` builds from
 * what users pass, once, at start-up.
 */
import type { Request } from 'express';
import type { SessionBackend } from '../backends/backend';
import type { SessionEventListener } from '../events/session-event';
import type { ResolvedIdHeader } from '../http/id-header';
import type { ResolvedCookieOptions, SetCookieWriter } from '../http/set-cookie';
import type { SessionRecord } from '../record';
import type { SessionSchema } from '../schema/session-schema';
import type { ExpiryPolicy } from './expiry';
import type { SessionMeta } from './types';

/** The `isRevoked` option: true ends the session read from the backend. */
export type RevocationCheck = (
  meta: SessionMeta,
  data: Readonly<SessionRecord>,
  request: Request,
) => boolean | Promise<boolean>;

/** The checked, defaulted, frozen options the middleware works with. */
export interface SessionConfig extends ExpiryPolicy {
  readonly backend: SessionBackend;
  /** Whether this request loads its session before the handler. */
  readonly autoload: (request: Request) => boolean;
  /** Cookie Max-Age in seconds; 0 for a browser-session cookie. A session's own (`setLifetime()`) comes first. */
  readonly lifetime: number;
  /** Seconds between automatic id renewals; 0: none. */
  readonly renewAfter: number;
  /** Seconds a renewed-away id still leads to its session. */
  readonly renewalGrace: number;
  /** Milliseconds; 0: none. */
  readonly backendTimeout: number;
  /** Milliseconds a request waits for its session's lock. */
  readonly lockTimeout: number;
  /** Milliseconds a lock holds at most. */
  readonly lockLease: number;
  readonly degrade: boolean;
  readonly isRevoked: RevocationCheck | undefined;
  readonly commitOnServerError: boolean;
  readonly cookie: ResolvedCookieOptions;
  /** The id travels in the cookie on requests that do not carry the id header (`cookie: false` turns it off). */
  readonly cookieTransport: boolean;
  /** The header transport, if enabled. */
  readonly header: ResolvedIdHeader | undefined;
  readonly setCookie: SetCookieWriter;
  /** Unix seconds. */
  readonly now: () => number;
  readonly onError: ((error: Error, request: Request) => void) | undefined;
  readonly onEvent: SessionEventListener | undefined;
  readonly schema: SessionSchema | undefined;
}
