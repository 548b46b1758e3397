/**
 * What the stores that keep one row per session (PostgreSQL, SQLite) share: the choice among the four writes `ctx`
 * asks for, the row's user column for the user index, and encryption at rest. They supply only the statements.
 */
import { SessionError } from '../errors';
import { digest } from '../internal/digest';
import type { SessionRecord } from '../record';
import { type FieldChanges, fieldChanges, fieldsText } from '../serializers/record-fields';
import { parseSession, stringifySession } from '../serializers/json';
import { type EncryptAtRestOptions, ValueSealer } from './at-rest';
import {
  type BackendContext,
  type SessionBackend,
  contextNow,
  createUnderFreeId,
  newSessionId,
  ttlOf,
  writeNothing,
} from './backend';
import { UserIndex, type UserIndexOptions, type UserSessionInfo, sessionInfo } from './user-sessions';

/** The options PostgresBackend and SqliteBackend share. */
export interface RowStoreOptions extends UserIndexOptions {
  /**
   * Create the table and its indexes on first use; `false` when migrations do it (with `postgresSessionSchema()` or
   * `sqliteSessionSchema()`). @default true
   */
  createTable?: boolean;
  /** Seconds between background deletions of expired rows, jittered by ±25 %; `0`: none (call `prune()`). @default 600 */
  pruneInterval?: number;
  /** Seal every stored value with AES-256-GCM (see docs/backends.md); off by default. */
  encryptAtRest?: EncryptAtRestOptions;
}

const DEFAULT_PRUNE_INTERVAL = 600;
/** Longest prune interval: its jittered delay must still fit a Node timer (about 24.8 days). */
const MAX_PRUNE_INTERVAL = 1_000_000;

/** The shared options of the row store `backend`, checked; throws `INVALID_OPTION` naming the first bad one. */
export function rowStoreSettings(
  backend: string,
  options: RowStoreOptions,
): { createTable: boolean; pruneInterval: number; format: RowFormat } {
  const { createTable = true, pruneInterval = DEFAULT_PRUNE_INTERVAL } = options;
  const invalid = (option: string, expected: string) =>
    new SessionError('INVALID_OPTION', `Invalid ${backend} option \`${option}\`: ${expected}`);
  if (typeof createTable !== 'boolean') throw invalid('createTable', 'expected true or false');
  if (!Number.isInteger(pruneInterval) || pruneInterval < 0 || pruneInterval > MAX_PRUNE_INTERVAL) {
    throw invalid('pruneInterval', `expected whole seconds from 0 (no pruning) to ${MAX_PRUNE_INTERVAL}`);
  }
  const format = new RowFormat(new UserIndex(backend, options), ValueSealer.of(backend, options.encryptAtRest));
  return { createTable, pruneInterval, format };
}

/** A row as the user-listing statements return it: its key, the metadata's and the label's JSON text, its expiry. */
export interface UserRow {
  id: string;
  metadata: string | null;
  label: string | null;
  /** Unix seconds (PostgreSQL's bigint arrives as a string). */
  expires: number | string;
}

/**
 * The statements of a row store. `key` is the row key (the digest of the id), `text` the record's JSON as stored,
 * `user` what the user column holds (null for none; in a merge, `undefined` leaves it as it is), `expires` and
 * `now` unix seconds.
 */
export interface RowWrites {
  /** A new session: create the row only where no live one is; false when the id is taken. */
  create(key: string, text: string, user: string | null, expires: number, now: number): boolean | Promise<boolean>;
  /** A direct call, without the middleware: replace whatever is stored. */
  upsert(key: string, text: string, user: string | null, expires: number): unknown;
  /** An update of the keys a request changed; nothing when the row is gone. */
  merge(key: string, changes: FieldChanges, user: string | null | undefined, expires: number, now: number): unknown;
  /** An update of the whole record; nothing when the row is gone. */
  replaceExisting(key: string, text: string, user: string | null, expires: number, now: number): unknown;
}

/** How a row store turns records into rows and back: its user index and its sealer, if any. */
export class RowFormat {
  constructor(
    readonly users: UserIndex,
    readonly sealer: ValueSealer | undefined,
  ) {}

  /** The record stored as `text` in the row `key`, or `undefined` for none (or one that does not open). */
  recordOf(key: string, text: string): SessionRecord | undefined {
    const record = parseSession(text);
    return record === undefined || this.sealer === undefined ? record : this.sealer.openRecord(key, record);
  }

  /** What the user column holds for `name`: the name, or its keyed hash when values are sealed. */
  userColumn(name: string | null): string | null {
    return name === null || this.sealer === undefined ? name : this.sealer.userTag(name);
  }

  /** What the user column may hold for the user `userId`: one value, or one per key when values are sealed. */
  userColumns(userId: unknown): string[] {
    const name = this.users.nameOf(userId);
    return this.sealer === undefined ? [name] : this.sealer.userTags(name);
  }

  /** What `listUserSessions()` shows of a row, at `nowMs`. */
  sessionInfo(row: UserRow, nowMs: number): UserSessionInfo {
    return sessionInfo(row.id, row.metadata, this.labelText(row.id, row.label), Number(row.expires) * 1000 - nowMs);
  }

  /** The JSON text of the label stored as `labelJson` in the row `key`. */
  private labelText(key: string, labelJson: string | null): string | undefined {
    if (labelJson === null || this.users.labelKey === '') return undefined;
    return this.sealer === undefined
      ? labelJson
      : this.sealer.openValue(key, this.users.labelKey, JSON.parse(labelJson));
  }

  /** Writes `data` the way `ctx` asks (see {@link BackendContext}) and returns the id it is stored under. */
  async write(
    backend: SessionBackend,
    data: SessionRecord,
    sessionId: string | undefined,
    ctx: BackendContext | undefined,
    writes: RowWrites,
  ): Promise<string> {
    const ttl = ttlOf(data, ctx);
    if (!(ttl >= 1)) return writeNothing(backend, sessionId, ctx);
    const now = contextNow(ctx);
    const expires = now + Math.ceil(ttl);
    const user = () => this.userColumn(this.users.userOf(data));
    if (ctx?.isNew === true) {
      return createUnderFreeId(backend, sessionId, id => {
        const key = digest(id);
        return writes.create(key, this.textOf(key, data), user(), expires, now);
      });
    }
    const id = sessionId ?? newSessionId(backend);
    const key = digest(id);
    if (ctx?.isNew !== false) await writes.upsert(key, this.textOf(key, data), user(), expires);
    else if (ctx.changes === undefined) await writes.replaceExisting(key, this.textOf(key, data), user(), expires, now);
    else {
      const { changed, removed } = ctx.changes;
      const changes = fieldChanges(data, changed, removed);
      const set = this.sealer === undefined ? changes.set : this.sealer.sealFields(key, changes.set);
      const after = this.users.userAfterMerge(data, changed, removed);
      await writes.merge(
        key,
        { set, removed: changes.removed },
        after === undefined ? undefined : this.userColumn(after),
        expires,
        now,
      );
    }
    return id;
  }

  private textOf(key: string, data: SessionRecord): string {
    if (this.sealer === undefined) return stringifySession(data);
    return fieldsText(this.sealer.sealFields(key, fieldChanges(data).set));
  }
}
