/**
 * The stored record: the one vocabulary the session core and the backends share. A record is what a backend keeps
 * for a session, the user's data plus the library's metadata under {@link METADATA_KEY}; it is not the typed view
 * handlers get (`Session`, `SessionFields`), and it is not express-session's `SessionData`.
 */

/** A session record as backends store it: a JSON-serialisable plain object. */
export type SessionRecord = Record<string, unknown>;

/** Where a record keeps the library's metadata; user data can neither read nor write it. */
export const METADATA_KEY = '__session';

/** Where a record keeps its flash messages (`req.session.addFlash()`), beside the data and never part of it. */
export const FLASH_KEY = '__flash';

/** What a record keeps under {@link FLASH_KEY}: the messages not yet taken, per key, oldest first. */
export type FlashMessageLists = Record<string, unknown[]>;

/** What a record keeps under {@link METADATA_KEY}, in unix seconds. */
export interface RecordMetadata {
  /** When the session began (a new session, or the last `regenerate()` without `keepCreatedAt`). */
  created: number;
  /** When the session was last refreshed by activity (rolling sessions and idle timeouts); `created` otherwise. */
  accessed: number;
  /** When the session ends on the server, whatever the cookie says. */
  expires: number;
  /**
   * This session's own lifetime in seconds, set by `req.session.setLifetime()` ("remember me"); `0`: a
   * browser-session cookie. Absent: the configured `lifetime`.
   */
  lifetime?: number;
  /** When the session got its current id (its last renewal, or `regenerate({ keepCreatedAt })`); `created` if absent. */
  renewed?: number;
  /** On a record retired by an id renewal: the new id, sealed under the old one (see `renewAfter`). */
  successor?: string;
}

/** The metadata in `value` (a record's {@link METADATA_KEY}), or `undefined` when it is not valid metadata. */
export function readRecordMetadata(value: unknown): RecordMetadata | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  // A plain object of any realm: not an array, a Map or a class instance.
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== null && Object.getPrototypeOf(proto) !== null) return undefined;
  const { created, expires } = value as Partial<Record<keyof RecordMetadata, unknown>>;
  // Records from before idle timeouts carry no `accessed` (or null): their last refresh is their creation.
  const accessed = (value as { accessed?: unknown }).accessed ?? created;
  if (!Number.isInteger(created) || !Number.isInteger(accessed) || !Number.isInteger(expires)) return undefined;
  const metadata: RecordMetadata = {
    created: created as number,
    accessed: accessed as number,
    expires: expires as number,
  };
  // Fields of later versions, absent from most records.
  const { lifetime, renewed, successor } = value as Partial<Record<keyof RecordMetadata, unknown>>;
  if (lifetime !== undefined) {
    if (!Number.isInteger(lifetime) || (lifetime as number) < 0) return undefined;
    metadata.lifetime = lifetime as number;
  }
  if (renewed !== undefined) {
    if (!Number.isInteger(renewed)) return undefined;
    metadata.renewed = renewed as number;
  }
  if (successor !== undefined) {
    if (typeof successor !== 'string') return undefined;
    metadata.successor = successor;
  }
  return metadata;
}

/** @deprecated Since 0.3: renamed {@link SessionRecord} (express-session uses this name for the data users augment). */
export type SessionData = SessionRecord;
/** @deprecated Since 0.3: renamed {@link RecordMetadata} (too close to `SessionMeta`, the public view). */
export type SessionMetadata = RecordMetadata;
