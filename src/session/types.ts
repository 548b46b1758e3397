/** The session as handlers see it: `req.session`'s members, its lifecycle view and the fields users declare. */
import { FLASH_KEY, METADATA_KEY } from '../record';

/**
 * Declares the fields your sessions hold, so that `req.session.userId` is typed. Augment it once:
 *
 * @example
 * declare module 'routing-controllers-sessions' {
 *   interface SessionFields { userId?: number; cart?: string[] }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- empty on purpose: apps augment it
export interface SessionFields {}

/**
 * Declares the flash messages your app sends, per key, so that `addFlash()` and `takeFlash()` are typed:
 *
 * @example
 * declare module 'routing-controllers-sessions' {
 *   interface FlashMessages { notice: string; formError: { field: string; text: string } }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- empty on purpose: apps augment it
export interface FlashMessages {}

/** The keys of flash messages: those of {@link FlashMessages} once it declares any, otherwise any string. */
export type FlashKey = [keyof FlashMessages] extends [never] ? string : keyof FlashMessages & string;

/** The message type under `K`: as {@link FlashMessages} declares it, otherwise `unknown`. */
export type FlashMessage<K extends string> = K extends keyof FlashMessages ? FlashMessages[K] : unknown;

/** The members every session has besides its data. Their names are reserved: data cannot use them. */
export interface SessionMembers {
  /**
   * Reads the session from the backend; later calls do nothing. Rejects with `SessionBackendError` (503). With
   * `{ lock: true }`, first takes the session's lock, so that requests of one session that lock run one after
   * another (see {@link LoadOptions}).
   */
  load(options?: LoadOptions): Promise<void>;
  /** Whether `load()` has completed. */
  readonly isLoaded: boolean;
  /** The id in the cookie, once the backend knows it (for `CookieBackend`, the signed cookie value). */
  readonly id: string | undefined;
  /**
   * Moves the data to a new id and removes the old record; do it on login (session fixation). The session counts as
   * begun now (its absolute timeout restarts) unless `keepCreatedAt` is set, for periodic id rotation. Like the
   * members below, it also takes a Node-style callback (as passport passes): errors then go to the callback.
   */
  regenerate(callback?: SessionCallback): Promise<void>;
  regenerate(options: RegenerateOptions, callback?: SessionCallback): Promise<void>;
  /** Removes the data and the record; the cookie is cleared if the request carried one. */
  destroy(callback?: SessionCallback): Promise<void>;
  /**
   * Writes the session now instead of when the response starts (the cookie still goes out with the response; the
   * commit then writes only later changes). Rejects with `SAVED_TOO_LATE` once the response has started.
   */
  save(callback?: SessionCallback): Promise<void>;
  /** Drops this request's unsaved changes and reads the session again from the backend. */
  reload(callback?: SessionCallback): Promise<void>;
  /** Counts this request as activity: a rolling or idle-timed session is refreshed even within `touchAfter`. */
  touch(): Promise<void>;
  /**
   * Gives this session a lifetime of its own ("remember me"), in seconds up to the `maxLifetime` option; `0` makes
   * its cookie a browser-session cookie ("don't remember me"), ended on the server after at most a day. Counted like
   * `lifetime` (from the session's start, or its last activity when rolling) and still ended by `absoluteTimeout`;
   * the cookie's Max-Age and the store's TTL follow it on every later request. A `regenerate()` without
   * `keepCreatedAt` starts a session with the configured lifetime again, unless this request set one.
   */
  setLifetime(seconds: number): Promise<void>;
  /**
   * Adds a flash message under `key` (JSON data), kept until a later request takes it; several may wait under one
   * key. It is part of the session's data for saving, so it is committed with the response, before a redirect.
   */
  addFlash<K extends FlashKey>(key: K, message: FlashMessage<K>): void;
  /** Takes the flash messages under `key`, oldest first, and removes them; `[]` when there are none (no write). */
  takeFlash<K extends FlashKey>(key: K): FlashMessage<K>[];
  /** Takes every flash message, by key, and removes them; `{}` when there are none (no write). */
  takeFlash(): { [K in FlashKey]?: FlashMessage<K>[] };
  /** When the session began, was last active and ends; `undefined` until loaded. */
  readonly meta: SessionMeta | undefined;
}

/** Options of `req.session.load()`. */
export interface LoadOptions {
  /**
   * Take the session's lock before reading it, held until the response's commit is done: other requests of the
   * session that lock wait (up to `lockTimeout`, then `SessionLockTimeoutError`, 503). For read-modify-write of one
   * key (`n = n + 1`) by parallel requests. Needs a backend that can lock (every server-side one here; the cookie
   * backends cannot: `SessionError` `LOCK_UNSUPPORTED`). Called after an unlocked load, it takes the lock and reads
   * the session again; changes made before are refused (`LOCKED_TOO_LATE`).
   */
  lock?: boolean;
}

/** Options of `req.session.regenerate()`. */
export interface RegenerateOptions {
  /**
   * Keep the session's creation time, and so its `absoluteTimeout`: a rotation of the id, not a new session.
   * @default false (a login starts a new session)
   */
  keepCreatedAt?: boolean;
}

/** The Node-style callback the session's members accept, as express-session's do. */
export type SessionCallback = (error?: unknown) => void;

/** The lifecycle of a loaded session, as `req.session.meta` tells it. Times in unix seconds. */
export interface SessionMeta {
  /** When the session began (a new session, or the last `regenerate()` without `keepCreatedAt`). */
  readonly createdAt: number;
  /** The last activity that refreshed it (see the `touchAfter` option); `createdAt` when it never refreshes. */
  readonly lastAccessedAt: number;
  /** When it ends on the server, counting this request's refresh (rolling sessions, idle timeout). */
  readonly expiresAt: number;
  /** Seconds left until `expiresAt`, from now. */
  readonly remainingSeconds: number;
  /** The session's lifetime in seconds: its own (`setLifetime()`) or the configured one; `0`: browser-session cookie. */
  readonly lifetime: number;
  /** The backend failed and `onBackendFailure: 'degrade'` gave an empty, anonymous session that cannot be saved. */
  readonly degraded: boolean;
}

/** The members of every session, and `then` (so that a session is never taken for a promise). */
export const MEMBER_NAMES = [
  'load',
  'isLoaded',
  'id',
  'regenerate',
  'destroy',
  'save',
  'reload',
  'touch',
  'setLifetime',
  'addFlash',
  'takeFlash',
  'meta',
  'then',
] as const;

/** Names that data keys cannot take: the members, the library's keys, and keys JavaScript gives meaning to. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([...MEMBER_NAMES, '__proto__', METADATA_KEY, FLASH_KEY]);

/**
 * `req.session`: your data as plain properties, plus the {@link SessionMembers}. With `T` declaring keys (a schema
 * class, or {@link SessionFields} augmented), only those keys compile; with none, any key does, as `unknown`.
 */
export type Session<T extends object = SessionFields> = ([keyof T] extends [never] ? { [key: string]: unknown } : T) &
  SessionMembers;
