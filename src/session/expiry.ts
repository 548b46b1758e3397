/**
 * When a session ends: the lifetime (from creation, or from the last activity when rolling), the idle timeout and
 * the absolute timeout, all on the server, from the metadata kept in the record. All times in unix seconds.
 *
 * The record's stored `expires` and the limits of the current configuration both apply when a session is read, so
 * shortening a timeout takes effect for sessions that already exist.
 */
import type { RecordMetadata } from '../record';
import type { SessionMeta } from './types';

/** The part of the configuration that decides expiry. */
export interface ExpiryPolicy {
  /** Seconds a session lives from its creation, or from its last refresh when `rolling`. */
  readonly serverLifetime: number;
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
  return { created: now, accessed: now, expires: expiresAt(policy, now, now) };
}

/** Whether a session with `metadata` is still alive at `now`. */
export function isAlive(policy: ExpiryPolicy, metadata: RecordMetadata, now: number): boolean {
  return now < metadata.expires && now < expiresAt(policy, metadata.created, metadata.accessed);
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
  const limit = expiresAt(policy, metadata.created, accessed);
  const expires = accessed === metadata.accessed ? Math.min(metadata.expires, limit) : limit;
  // The same object when nothing moved: callers tell a refresh by identity.
  return accessed === metadata.accessed && expires === metadata.expires
    ? metadata
    : { created: metadata.created, accessed, expires };
}

/** `req.session.meta`: the public view of `stored`, with the end the current configuration enforces. */
export function publicMeta(policy: ExpiryPolicy, stored: RecordMetadata, now: number, degraded: boolean): SessionMeta {
  // A configuration shortened since the record was written brings its end forward.
  const expires = Math.min(stored.expires, expiresAt(policy, stored.created, stored.accessed));
  return Object.freeze({
    createdAt: stored.created,
    lastAccessedAt: stored.accessed,
    expiresAt: expires,
    remainingSeconds: Math.max(0, expires - now),
    degraded,
  });
}

function expiresAt(policy: ExpiryPolicy, created: number, accessed: number): number {
  let expires = (policy.rolling ? accessed : created) + policy.serverLifetime;
  if (policy.idleTimeout > 0) expires = Math.min(expires, accessed + policy.idleTimeout);
  if (policy.absoluteTimeout > 0) expires = Math.min(expires, created + policy.absoluteTimeout);
  return expires;
}
