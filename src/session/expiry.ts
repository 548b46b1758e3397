/**
 * When a session ends: the lifetime (from creation, or from the last activity when rolling), the idle timeout and
 * the absolute timeout, all on the server, from the metadata kept in the record. All times in unix seconds.
 *
 * The record's stored `expires` and the limits of the current configuration both apply when a session is read, so
 * shortening a timeout takes effect for sessions that already exist.
 */
import type { RecordMetadata } from '../record';
import type { SessionMeta } from './types';

/** Server-side lifetime of a browser-session cookie (`lifetime: 0`, `setLifetime(0)`), in seconds: one day. */
export const BROWSER_SESSION_LIFETIME = 24 * 3600;

/** The part of the configuration that decides expiry. */
export interface ExpiryPolicy {
  /** Seconds a session lives from its creation, or from its last refresh when `rolling`. */
  readonly serverLifetime: number;
  /** The longest server-side lifetime a session of its own (`setLifetime()`) may have, in seconds. */
  readonly maxLifetime: number;
  readonly rolling: boolean;
  /** Seconds of inactivity that end a session; 0: none. */
  readonly idleTimeout: number;
  /** Seconds from creation that end a session whatever its activity; 0: none. */
  readonly absoluteTimeout: number;
  /** Seconds since the last refresh before activity refreshes the session again (rolling, idle timeout). */
  readonly touchAfter: number;
}

/** The metadata of a session that begins at `now`. */
export function newMetadata(policy: ExpiryPolicy, now: number): RecordMetadata {
  const metadata = { created: now, accessed: now, expires: 0 };
  metadata.expires = expiresAt(policy, metadata);
  return metadata;
}

/** Whether a session with `metadata` is still alive at `now`. */
export function isAlive(policy: ExpiryPolicy, metadata: RecordMetadata, now: number): boolean {
  return now < metadata.expires && now < expiresAt(policy, metadata);
}

/**
 * `metadata` (as refreshed by the request that sets it) with a lifetime of its own (`0`: a browser-session cookie),
 * counted like the configured one: from the session's creation, or from its last refresh when rolling.
 */
export function withLifetime(policy: ExpiryPolicy, metadata: RecordMetadata, lifetime: number): RecordMetadata {
  const next = { ...metadata, expires: 0, lifetime };
  next.expires = expiresAt(policy, next);
  return next;
}

/** Whether the cookie of a session with `metadata` persists (has a Max-Age), rather than ending with the browser. */
export function hasPersistentCookie(config: { readonly lifetime: number }, metadata: RecordMetadata): boolean {
  return (metadata.lifetime ?? config.lifetime) > 0;
}

/**
 * The metadata after a request at `now`. Activity refreshes the session only when it refreshes at all (`rolling`
 * or an idle timeout) and either the record is written anyway or `touchAfter` seconds have passed: a burst of
 * read-only requests costs one refresh, not one write each.
 */
export function refreshMetadata(
  policy: ExpiryPolicy,
  metadata: RecordMetadata,
  now: number,
  writing: boolean,
): RecordMetadata {
  const refreshes = policy.rolling || policy.idleTimeout > 0;
  const accessed = refreshes && (writing || now - metadata.accessed >= policy.touchAfter) ? now : metadata.accessed;
  if (accessed === metadata.accessed && !writing) return metadata;
  // Without a refresh, a write keeps the stored end, or brings it forward when the configuration got shorter.
  const next: RecordMetadata = { ...metadata, accessed, expires: 0 };
  const limit = expiresAt(policy, next);
  next.expires = accessed === metadata.accessed ? Math.min(metadata.expires, limit) : limit;
  // The same object when nothing moved: callers tell a refresh by identity.
  return accessed === metadata.accessed && next.expires === metadata.expires ? metadata : next;
}

/** `req.session.meta`: the public view of `stored`, with the end the current configuration enforces. */
export function publicMeta(
  config: ExpiryPolicy & { readonly lifetime: number },
  stored: RecordMetadata,
  now: number,
  degraded: boolean,
): SessionMeta {
  // A configuration shortened since the record was written brings its end forward.
  const expires = Math.min(stored.expires, expiresAt(config, stored));
  return Object.freeze({
    createdAt: stored.created,
    lastAccessedAt: stored.accessed,
    expiresAt: expires,
    remainingSeconds: Math.max(0, expires - now),
    lifetime: stored.lifetime === undefined ? config.lifetime : Math.min(stored.lifetime, config.maxLifetime),
    degraded,
  });
}

/** Seconds the session lives on the server: its own lifetime, within the configuration as it is now, or the configured one. */
function serverLifetimeOf(policy: ExpiryPolicy, lifetime: number | undefined): number {
  if (lifetime === undefined) return policy.serverLifetime;
  return Math.min(lifetime > 0 ? lifetime : BROWSER_SESSION_LIFETIME, policy.maxLifetime);
}

function expiresAt(policy: ExpiryPolicy, { created, accessed, lifetime }: RecordMetadata): number {
  let expires = (policy.rolling ? accessed : created) + serverLifetimeOf(policy, lifetime);
  if (policy.idleTimeout > 0) expires = Math.min(expires, accessed + policy.idleTimeout);
  if (policy.absoluteTimeout > 0) expires = Math.min(expires, created + policy.absoluteTimeout);
  return expires;
}
