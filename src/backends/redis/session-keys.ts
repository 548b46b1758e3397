/**
 * Redis key names of RedisBackend.
 *
 * A session lives under `prefix + SHA-256(id)`: the raw id never reaches Redis (a dump or a MONITOR shows no usable
 * cookie), and a lookup compares hashes, so its timing says nothing about how much of a guessed id was right. Each
 * session is one key, so every command and script touches one slot of a Redis Cluster; the per-user index and the
 * lock are keys of their own, only ever used by single-key commands too.
 */
import { digest } from '../../internal/digest';

// A digest never contains `:`, so a session key cannot collide with the `user:` keys.
export { digest };

/** Builds the key names under one prefix. */
export class SessionKeys {
  constructor(readonly prefix: string) {}

  /** The key of the session whose id is `sessionId`. */
  session(sessionId: string): string {
    return this.prefix + digest(sessionId);
  }

  /** The key of a session from its handle (the digest kept in a user index). */
  sessionOfHandle(handle: string): string {
    return this.prefix + handle;
  }

  /**
   * The lock of the session `sessionId`, in its key's slot of a cluster. A session key without a hash tag is placed
   * by its whole name, which the lock key then holds as its tag; a prefix with a tag places both alike. (A prefix
   * with a stray brace may put them in two slots: no command touches both.)
   */
  lock(sessionId: string): string {
    const handle = digest(sessionId);
    const braceless = !this.prefix.includes('{') && !this.prefix.includes('}');
    return braceless ? `${this.prefix}lock:{${this.prefix}${handle}}` : `${this.prefix}lock:${handle}`;
  }

  /** The sorted set that lists the sessions of the user named `user` (a user id as text). */
  user(user: string): string {
    return `${this.prefix}user:${digest(user)}`;
  }
}
