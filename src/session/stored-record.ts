/**
 * The backend's record behind one request's session, as the request knows it: its id, whether it exists, the data's
 * JSON as last read or written (the baseline of change tracking) and its metadata. Every backend call of a session
 * goes through here; nothing here knows of cookies, requests or responses beyond the id's format.
 */
import type { Request } from 'express';
import { type BackendContext, type SessionChanges, isMarkedForRewrite } from '../backends/backend';
import { type BackendOperation, SessionBackendError, SessionError } from '../errors';
import { MAX_COOKIE_BYTES, isCookieValue } from '../http/cookie-octets';
import { debug } from '../internal/debug';
import { FLASH_KEY, METADATA_KEY, type RecordMetadata, type SessionRecord, readRecordMetadata } from '../record';
import { MAX_DEPTH, isNestedTooDeep, isPlainObject, parseSession, stringifySession } from '../serializers/json';
import { isBackendTraced, publishSessionEvent, traceBackendCall } from '../events/channels';
import type { SessionEventType } from '../events/session-event';
import { guardBackendCall } from './backend-call';
import { openSuccessor, retiredMetadata } from './renewal';
import type { SessionConfig } from './config';

/** The JSON text of no data. */
export const EMPTY = '{}';

/** What {@link StoredRecord.read} found. */
export interface ReadRecord {
  /** The data's JSON text: {@link EMPTY} for no record, `'null'` for a record that is not plain data. */
  readonly text: string;
  /** The metadata the record carries, if it carries valid metadata. */
  readonly metadata: RecordMetadata | undefined;
}

export class StoredRecord {
  /** The id in use: the backend's record, or a regenerated id not yet written. */
  id: string | undefined;
  /** A record exists under `id`. */
  exists = false;
  /** The data's JSON as read or last written. */
  baseline = EMPTY;
  /** Set when the session loads, before any other use. */
  metadata!: RecordMetadata;
  /** The next write replaces the record whole, changed or not: the backend marked it, or the schema dropped keys. */
  private rewrite = false;
  /** The stored record holds valid metadata (else the next write stores it, whatever changed). */
  private hasMetadata = true;
  /** The request's id named a record retired by a renewal, and `id` is its successor's. */
  followedRenewal = false;
  private readonly ctx: BackendContext;

  constructor(
    private readonly config: SessionConfig,
    private readonly request: Request,
  ) {
    this.ctx = { now: 0, lifetime: config.maxLifetime, ttl: config.serverLifetime, request };
  }

  /** Reads the configured clock into the context backends get, and returns it (unix seconds). */
  stampTime(): number {
    return (this.ctx.now = this.config.now());
  }

  /**
   * Reads the record under `id`, taking that id when there is one. A record retired by an id renewal hands on to
   * its successor, once, within its grace period: then that record and its id are taken.
   */
  async read(id: string, follow = true): Promise<ReadRecord> {
    this.ctx.rewrite = undefined;
    const record = await this.callBackend('read', () => this.config.backend.read(id, this.ctx));
    const metadata = isPlainObject(record) ? readRecordMetadata(record[METADATA_KEY]) : undefined;
    if (metadata?.successor !== undefined) {
      const successor = follow && this.ctx.now < metadata.expires ? openSuccessor(id, metadata.successor) : undefined;
      if (successor === undefined) return { text: EMPTY, metadata: undefined };
      const read = await this.read(successor, false);
      this.followedRenewal = this.exists;
      return read;
    }
    const text = recordText(record);
    if (text !== EMPTY) {
      this.id = id;
      this.exists = true;
      this.rewrite = isMarkedForRewrite(record) || this.ctx.rewrite === true;
      this.hasMetadata = metadata !== undefined;
    }
    return { text, metadata };
  }

  /** Takes the data the request adopted as the baseline; `rewrite` when the next write must replace the record. */
  adopt(baseline: string, metadata: RecordMetadata, rewrite: boolean): void {
    this.baseline = baseline;
    this.metadata = metadata;
    if (rewrite) this.rewrite = true;
  }

  /** Whether storing `text` means writing the record, rather than at most refreshing it. */
  isChangedBy(text: string): boolean {
    return !this.exists || this.rewrite || text !== this.baseline;
  }

  /**
   * Stores the data `text` with `metadata` for `ttl` seconds: written when `write` (or when the backend cannot
   * touch), otherwise only touched. Returns the id the backend keeps it under.
   */
  async store(text: string, metadata: RecordMetadata, ttl: number, write: boolean): Promise<string> {
    this.ctx.ttl = ttl;
    const id =
      write || this.config.backend.touch === undefined ? await this.write(text, metadata) : await this.touch(metadata);
    this.id = id;
    this.exists = true;
    this.baseline = text;
    this.metadata = metadata;
    this.rewrite = false;
    this.hasMetadata = true;
    return id;
  }

  /** Moves the session to `newId` for its next write, which creates it there; {@link retire} the old id after it. */
  beginRenewal(newId: string): void {
    this.id = newId;
    this.exists = false;
  }

  /** Replaces the record under `oldId` with one that only hands on to this one, for `grace` seconds. */
  async retire(oldId: string, now: number, grace: number): Promise<void> {
    const record = { [METADATA_KEY]: retiredMetadata(this.metadata, oldId, this.id!, now, grace) };
    const ctx: BackendContext = { ...this.ctx, ttl: grace, isNew: false, changes: undefined };
    await this.callBackend('write', () => this.config.backend.write(record, oldId, ctx));
  }

  /** Removes the record, if there is one, and forgets it; publishes `ended` when given. */
  async remove(ended?: SessionEventType): Promise<void> {
    if (this.exists && this.id !== undefined) {
      const id = this.id;
      await this.callBackend('remove', () => this.config.backend.remove(id, this.ctx));
      if (ended !== undefined) this.publish(ended);
    }
    this.forget();
  }

  /** Forgets the record without telling the backend: the request then holds a session that is not stored. */
  forget(): void {
    this.id = undefined;
    this.exists = false;
    this.baseline = EMPTY;
    this.rewrite = false;
  }

  /** Runs a backend call of this session under `timeout` ms (`backendTimeout`), traced when someone listens. */
  callBackend<T>(
    operation: BackendOperation,
    run: () => T | Promise<T>,
    timeout = this.config.backendTimeout,
  ): Promise<T> {
    if (!isBackendTraced()) return guardBackendCall(operation, timeout, run, this);
    return traceBackendCall(this.config.backend, operation, () => guardBackendCall(operation, timeout, run, this));
  }

  /** A call of {@link callBackend} failed: reported as an event. */
  backendFailed(error: SessionBackendError): void {
    const type = error.timedOut ? 'store-timeout' : 'store-failure';
    publishSessionEvent(this.config, this.request, type, this.id, undefined, error.operation);
  }

  /** Publishes the event `type` of this session (see {@link publishSessionEvent}). */
  publish(type: SessionEventType, previousId?: string): void {
    publishSessionEvent(this.config, this.request, type, this.id, previousId);
  }

  /** Writes the record: whole when new or to be rewritten, otherwise with the keys that changed, for backends that merge. */
  private async write(text: string, metadata: RecordMetadata): Promise<string> {
    const config = this.config;
    const record = parseSession(text) as SessionRecord;
    if (config.schema?.beforeSave) await config.schema.checkBeforeSave(withoutKey(record, FLASH_KEY));
    const ctx = this.ctx;
    ctx.isNew = !this.exists;
    const whole = !this.exists || this.rewrite;
    ctx.changes = whole
      ? undefined
      : changesBetween(parseSession(this.baseline) ?? {}, record, metadata !== this.metadata || !this.hasMetadata);
    record[METADATA_KEY] = metadata;
    const id = await this.callBackend('write', () => config.backend.write(record, this.id, ctx));
    checkReturnedId(config.cookie.name, id);
    return id;
  }

  /** Extends the record's life without rewriting its data. */
  private async touch(metadata: RecordMetadata): Promise<string> {
    const id = this.id!;
    await this.callBackend('touch', () => this.config.backend.touch!(id, metadata, this.ctx));
    return id;
  }
}

/** The id a backend's `write()` returned goes into the cookie: it must be a cookie value that browsers keep. */
function checkReturnedId(cookieName: string, id: unknown): asserts id is string {
  const size = typeof id === 'string' ? cookieName.length + 1 + id.length : 0;
  if (size > MAX_COOKIE_BYTES) {
    throw new SessionError(
      'COOKIE_TOO_LARGE',
      `The session cookie would be ${size} bytes, but browsers keep at most ${MAX_COOKIE_BYTES}: ` +
        'store less in the session, or use a server-side backend such as InMemoryBackend',
    );
  }
  if (typeof id !== 'string' || !isCookieValue(id)) {
    throw new SessionError(
      'INVALID_SESSION_ID',
      'The backend returned a session id that cannot be a cookie value: expected 1 to 4096 RFC 6265 cookie-octets ' +
        '(letters, digits and most punctuation; no spaces, commas, semicolons, quotes or backslashes)',
    );
  }
}

/** The top-level keys whose JSON differs between `before` and `after`, and the metadata key when it changed. */
function changesBetween(before: SessionRecord, after: SessionRecord, metadataChanged: boolean): SessionChanges {
  const changed = Object.keys(after).filter(
    key => key !== METADATA_KEY && JSON.stringify(after[key]) !== JSON.stringify(before[key]),
  );
  if (metadataChanged) changed.push(METADATA_KEY);
  return { changed, removed: Object.keys(before).filter(key => !Object.hasOwn(after, key)) };
}

/**
 * The JSON text of a record's data: {@link EMPTY} for no record, `'null'` (invalid data) for what is not a plain
 * object (an array, a scalar, a Buffer, a class instance) or is nested too deep to serialise.
 */
function recordText(record: unknown): string {
  if (record == null) return EMPTY;
  if (!isPlainObject(record)) return invalidRecord('not a plain object');
  let text: string;
  try {
    text = stringifySession(withoutKey(record, METADATA_KEY));
  } catch (error) {
    // Deeper than the stack, or larger than a string can be: foreign data.
    if (error instanceof RangeError && /call stack|string length/.test(error.message))
      return invalidRecord('too deep or too large');
    // A getter or toJSON that throws, a BigInt, a cycle: the backend handed over something broken.
    throw new SessionBackendError('read', { cause: error });
  }
  return isNestedTooDeep(text) ? invalidRecord(`nested deeper than ${MAX_DEPTH} levels`) : text;
}

function invalidRecord(reason: string): string {
  debug('session ended on the server: the stored record is %s', reason);
  return 'null';
}

function withoutKey(record: SessionRecord, key: string): SessionRecord {
  if (!(key in record)) return record;
  const { [key]: _dropped, ...rest } = record;
  return rest;
}
