/**
 * The contract every session store implements. Subclass {@link SessionBackend}, implement the four abstract
 * methods, and pass the class (resolved from typedi) or an instance as the `backend` option.
 */
import type { Request } from 'express';
import type { SessionData } from '../session/session-data';
import { randomSessionId } from '../internal/session-id';

/**
 * What the middleware tells a backend about the call; optional, so that a backend written against the four
 * methods alone keeps working. Times are in seconds.
 */
export interface BackendContext {
  /** The current time (unix seconds) by the configured clock: use it, not `Date.now()`, so tests can move time. */
  now: number;
  /** The configured server-side lifetime of a session, in seconds. */
  lifetime: number;
  /** On `write`: how long this record must live from now, in seconds (>= 1). Use it as the store's TTL. */
  ttl: number;
  /** The request being served. */
  request?: Request;
  /**
   * Set by `read` when the record must be written back even though its data did not change,
   * e.g. a cookie verified with an older key that should be re-signed with the newest.
   */
  rewrite?: boolean;
}

/**
 * A session store.
 *
 * Required: {@link read}, {@link write}, {@link remove}, {@link exists}. Optional: {@link generateId}.
 *
 * @example
 * @Service()
 * class MapBackend extends SessionBackend {
 *   private readonly records = new Map<string, SessionData>();
 *   async read(id: string) { return this.records.get(id); }
 *   async write(data: SessionData, id?: string) { id ??= this.generateId(); this.records.set(id, data); return id; }
 *   async remove(id: string) { this.records.delete(id); }
 *   async exists(id: string) { return this.records.has(id); }
 * }
 */
export abstract class SessionBackend {
  /**
   * Whether {@link remove} really ends a session. `false` for stores that keep data in the cookie itself: a copy of
   * the cookie stays valid until it expires.
   */
  readonly revocable: boolean = true;

  /** The record stored under `sessionId`; `undefined`, `null` or `{}` when there is none (or it expired). */
  abstract read(sessionId: string, ctx?: BackendContext): Promise<SessionData | undefined | null>;

  /**
   * Stores `data` and returns the id to put in the cookie. Without `sessionId`, creates a new session
   * (use {@link generateId}); with one, stores under it.
   */
  abstract write(data: SessionData, sessionId?: string, ctx?: BackendContext): Promise<string>;

  /** Deletes the record; succeeds when there is none. */
  abstract remove(sessionId: string, ctx?: BackendContext): Promise<void>;

  /** Whether a record exists under `sessionId`. */
  abstract exists(sessionId: string, ctx?: BackendContext): Promise<boolean>;

  /** A new session id: at least 128 bits from the CSPRNG, cookie-safe. Override to change the format. */
  generateId(): string {
    return randomSessionId();
  }
}

/** True for a {@link SessionBackend} instance or an object with the same four methods. */
export function isSessionBackend(value: unknown): value is SessionBackend {
  if (value instanceof SessionBackend) return true;
  const candidate = value as Partial<Record<keyof SessionBackend, unknown>> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.read === 'function' &&
    typeof candidate.write === 'function' &&
    typeof candidate.remove === 'function' &&
    typeof candidate.exists === 'function'
  );
}

/** The time of `ctx` in unix seconds, or the wall clock when a backend is called without one. */
export function contextNow(ctx: BackendContext | undefined): number {
  return ctx?.now ?? Math.floor(Date.now() / 1000);
}
