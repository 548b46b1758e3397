/**
 * `createSessionCookie()`: a test starts a request with a session of its choosing, stored through the configured
 * backend as the middleware stores a new session, so the handler loads it like any other.
 */
import type { BackendContext } from '../backends/backend';
import { SessionError } from '../errors';
import { isCookieValue } from '../http/cookie-octets';
import { METADATA_KEY, type SessionRecord } from '../record';
import { isPlainObject, parseSession, stringifySession } from '../serializers/json';
import type { SessionConfig } from '../session/config';
import { newMetadata } from '../session/expiry';
import { RESERVED_KEYS } from '../session/types';
import { type SessionSource, type SessionSourceOptions, resolveSessionSource } from './session-source';

/**
 * Stores a new session holding `data` through the configured backend and resolves to the `Cookie` request header
 * value (`name=value`) that sends it. The record is what the middleware would write for a new session: the data
 * as JSON, the library's metadata from the configured clock and lifetime, `ctx.isNew`. With a `schema`, `data` is
 * turned into JSON through it and, under `validation.beforeSave`, checked like a save; without `beforeSave` it is
 * stored as given, so a test can also seed data that the schema rejects at load time.
 *
 * @throws SessionError `NOT_CONFIGURED` for a class that was never configured (in `options.container`);
 * `INVALID_ARGUMENT` for data that is not a plain object, is empty, or is not JSON; `RESERVED_KEY` for a key the session
 * reserves (`id`, `load`, `__session`...).
 * @throws SessionValidationError (500) when `validation.beforeSave` is on and the data fails the schema.
 * @example
 * const cookie = await createSessionCookie(SessionMiddleware, { userId: 7 });
 * await request(app).get('/profile').set('Cookie', cookie).expect(200);
 */
export async function createSessionCookie(
  source: SessionSource,
  data: object,
  options?: SessionSourceOptions,
): Promise<string> {
  const config = resolveSessionSource(source, options);
  const record = await storableRecord(config, data);
  const now = config.now();
  const metadata = newMetadata(config, now);
  record[METADATA_KEY] = metadata;
  const ctx: BackendContext = {
    now,
    lifetime: config.maxLifetime,
    ttl: Math.max(1, metadata.expires - now),
    isNew: true,
  };
  const id = await config.backend.write(record, undefined, ctx);
  if (typeof id !== 'string' || !isCookieValue(id)) {
    throw new SessionError(
      'INVALID_SESSION_ID',
      'The backend returned a session id that cannot be a cookie value: expected 1 to 4096 RFC 6265 cookie-octets',
    );
  }
  return `${config.cookie.name}=${id}`;
}

/** `data` as the record's data: a detached JSON copy, through the schema when there is one. */
async function storableRecord(config: SessionConfig, data: object): Promise<SessionRecord> {
  const schema = config.schema;
  if (!isPlainObject(data) && !(schema !== undefined && data instanceof schema.type)) {
    throw new SessionError(
      'INVALID_ARGUMENT',
      `createSessionCookie(): expected the session data as a plain object ({ userId: 7 }), got ${kindOf(data)}`,
    );
  }
  const keys = Object.keys(data);
  if (keys.length === 0) {
    throw new SessionError(
      'INVALID_ARGUMENT',
      'createSessionCookie(): empty data is no session (the middleware never stores one): send no cookie instead',
    );
  }
  for (const key of keys) {
    if (RESERVED_KEYS.has(key))
      throw new SessionError('RESERVED_KEY', `"${key}" is reserved by the session and cannot hold data`);
  }
  const plain = schema === undefined ? (data as SessionRecord) : schema.toPlain(data as SessionRecord);
  let text: string;
  try {
    text = stringifySession(plain);
  } catch (error) {
    throw new SessionError('INVALID_ARGUMENT', 'createSessionCookie(): the session data cannot be turned into JSON', {
      cause: error,
    });
  }
  const record = parseSession(text)!;
  if (schema?.beforeSave) await schema.checkBeforeSave(record);
  return record;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value !== 'object') return typeof value;
  return `an instance of ${(value as object).constructor?.name ?? 'a class'}`;
}
