/**
 * "Log out everywhere": the interface every server-side backend with a user index offers (`userKey`), and what they
 * share to offer it: how a user id is named, which writes change a session's user, and what a listing shows.
 */
import { SessionError } from '../errors';
import { METADATA_KEY, type RecordMetadata, type SessionRecord, readRecordMetadata } from '../record';
import type { SessionBackend } from './backend';

/** One session of a user, as `listUserSessions()` lists it. */
export interface UserSessionInfo {
  /** An opaque, stable name of the session (a hash of its id, never the id); compare with `handleOf()`. */
  handle: string;
  /** When the session began (or was last regenerated), when its record says. */
  createdAt: Date | undefined;
  /**
   * When the session was last refreshed by a request: every request that writes or refreshes it (rolling sessions,
   * `idleTimeout`); otherwise its creation.
   */
  lastAccessAt: Date | undefined;
  /** The string the session holds under the backend's `labelKey` option (a device name, a user agent), if any. */
  label: string | undefined;
  /** Milliseconds until the store drops the session. */
  expiresInMs: number;
  /** The session's metadata (unix seconds), when the record has it. */
  metadata: RecordMetadata | undefined;
}

/**
 * The sessions of each user, on a backend given a `userKey`: InMemoryBackend, RedisBackend, PostgresBackend and
 * SqliteBackend all implement it the same way; {@link hasUserSessions} tells whether a backend does.
 */
export interface UserSessions {
  /** The handle under which the session `sessionId` is listed: to mark "this device". */
  handleOf(sessionId: string): string;
  /**
   * The live sessions of `userId` (as stored under the `userKey` data key; `7` and `'7'` are one user).
   * @throws SessionError `NOT_CONFIGURED` when the backend has no `userKey`.
   */
  listUserSessions(userId: string | number): Promise<UserSessionInfo[]>;
  /**
   * Destroys every session of `userId`, except the one whose id is `options.except` (the current one, for "log out
   * other devices"); returns how many were destroyed. A session written while this runs (a login completing at that
   * moment) may survive it, as if it had logged in just after.
   * @throws SessionError `NOT_CONFIGURED` when the backend has no `userKey`.
   */
  destroyUserSessions(userId: string | number, options?: { except?: string }): Promise<number>;
}

/** Whether `backend` offers {@link UserSessions} (it still throws `NOT_CONFIGURED` until given a `userKey`). */
export function hasUserSessions(backend: SessionBackend): backend is SessionBackend & UserSessions {
  const candidate = backend as Partial<UserSessions>;
  return (
    typeof candidate.handleOf === 'function' &&
    typeof candidate.listUserSessions === 'function' &&
    typeof candidate.destroyUserSessions === 'function'
  );
}

/** The user-index options every server-side backend takes. */
export interface UserIndexOptions {
  /**
   * The session key that holds the user id (a string or a number). When set, each user's sessions are indexed, so
   * that `listUserSessions()` and `destroyUserSessions()` ("log out everywhere") work.
   * @default none (no index)
   */
  userKey?: string;
  /**
   * The session key whose string value labels the session in `listUserSessions()`: what the app stores there at
   * login (`req.session.device = req.get('user-agent')`) is what an account page shows.
   * @default none (no label)
   */
  labelKey?: string;
}

/**
 * A user id as the index names it, for strings and finite numbers only (an object under `userKey` is not a user
 * id): `7` and `'7'` are one user, since ids often arrive as strings (route parameters) but are stored as numbers.
 */
export function userName(userId: unknown): string | undefined {
  if (typeof userId === 'string') return userId;
  return typeof userId === 'number' && Number.isFinite(userId) ? String(userId) : undefined;
}

/** The user named by `json`, the JSON text a session stores under `userKey`. */
export function userOfJson(json: unknown): string | undefined {
  return userName(parsed(json));
}

/** The user-index settings of one backend, checked. */
export class UserIndex {
  /** The data key holding the user id; '' when there is no index. */
  readonly userKey: string;
  /** The data key holding the label; '' for none. */
  readonly labelKey: string;

  constructor(
    private readonly backend: string,
    options: UserIndexOptions,
  ) {
    this.userKey = dataKey(backend, 'userKey', options.userKey);
    this.labelKey = dataKey(backend, 'labelKey', options.labelKey);
  }

  get enabled(): boolean {
    return this.userKey !== '';
  }

  /** The user of `record` (a whole record as written), or null. */
  userOf(record: SessionRecord): string | null {
    return this.enabled ? (userName(record[this.userKey]) ?? null) : null;
  }

  /**
   * The user of a session after a merge that changed the keys `changed` and removed `removed`: null for none,
   * `undefined` when the merge leaves the user as it was.
   */
  userAfterMerge(
    record: SessionRecord,
    changed: readonly string[],
    removed: readonly string[],
  ): string | null | undefined {
    if (!this.enabled) return undefined;
    if (changed.includes(this.userKey)) return this.userOf(record);
    return removed.includes(this.userKey) ? null : undefined;
  }

  /**
   * `userId` as the index names it.
   * @throws SessionError `NOT_CONFIGURED` without a `userKey`, `INVALID_OPTION` for a user id of another type.
   */
  nameOf(userId: unknown): string {
    if (!this.enabled) {
      throw new SessionError(
        'NOT_CONFIGURED',
        `${this.backend} keeps no user index: set its \`userKey\` option to the session key that holds the user id`,
      );
    }
    const name = userName(userId);
    if (name === undefined) {
      throw new SessionError('INVALID_OPTION', `${this.backend}: a user id is a string or a finite number`);
    }
    return name;
  }
}

/**
 * What `listUserSessions()` shows of a session, from its metadata's JSON text, its label's JSON text (each
 * `undefined` or malformed when absent) and the milliseconds it has left.
 */
export function sessionInfo(
  handle: string,
  metadataJson: unknown,
  labelJson: unknown,
  expiresInMs: number,
): UserSessionInfo {
  const metadata = readRecordMetadata(parsed(metadataJson));
  const label = parsed(labelJson);
  return {
    handle,
    createdAt: metadata === undefined ? undefined : new Date(metadata.created * 1000),
    lastAccessAt: metadata === undefined ? undefined : new Date(metadata.accessed * 1000),
    label: typeof label === 'string' ? label : undefined,
    expiresInMs: Math.max(0, expiresInMs),
    metadata,
  };
}

/** Runs `task` over `items`, `size` at a time: a user with thousands of sessions must not flood the store. */
export async function inBatches<T, R>(items: readonly T[], size: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) {
    results.push(...(await Promise.all(items.slice(start, start + size).map(task))));
  }
  return results;
}

function parsed(json: unknown): unknown {
  if (typeof json !== 'string' || json === '') return undefined;
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

function dataKey(backend: string, option: string, value: unknown): string {
  if (value === undefined) return '';
  if (typeof value !== 'string' || value === '' || value === METADATA_KEY) {
    throw new SessionError(
      'INVALID_OPTION',
      `Invalid ${backend} option \`${option}\`: expected the name of a session data key`,
    );
  }
  return value;
}
