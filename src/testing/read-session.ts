/**
 * Reading what a request left in the store, through the configured backend: from the Set-Cookie of its response,
 * or from a Cookie header a test already holds.
 */
import type { BackendContext } from '../backends/backend';
import { readCookie } from '../http/cookie-header';
import { FLASH_KEY, METADATA_KEY, type SessionRecord } from '../record';
import { isPlainObject, parseSession, stringifySession } from '../serializers/json';
import type { SessionConfig } from '../session/config';
import { type SetCookieSource, idHeaderOutcome, sessionCookieOutcome } from './set-cookie-source';
import { type SessionSource, type SessionSourceOptions, resolveSessionSource } from './session-source';

/**
 * The session data the response stored, read back through the configured backend, without the library's metadata
 * and flash messages: from its Set-Cookie, or from the response id header of the `header` option. `undefined` when
 * the response set no session cookie or header (nothing changed, or nothing to store) or the backend holds nothing
 * under it; `null` when the response cleared the cookie or emptied the header (`destroy()`). Expiry is not
 * applied: this is what is stored, not what a later request would load.
 *
 * @example
 * const res = await request(app).post('/login').send({ name: 'Ada' });
 * expect(await readSessionFromResponse(SessionMiddleware, res)).to.deep.equal({ user: 'Ada' });
 */
export async function readSessionFromResponse(
  source: SessionSource,
  response: SetCookieSource,
  options?: SessionSourceOptions,
): Promise<SessionRecord | null | undefined> {
  const config = resolveSessionSource(source, options);
  // A response to a request that came with the id header answers in a header, never with Set-Cookie.
  const outcome =
    (config.header && idHeaderOutcome(response, config.header.responseName)) ??
    sessionCookieOutcome(response, config.cookie.name);
  if (outcome === 'cleared') return null;
  return outcome === undefined ? undefined : readStoredData(config, outcome.value);
}

/**
 * The session data stored for the session cookie in `cookie`, a `Cookie` request header value (what
 * {@link createSessionCookie} returns, or `name=value` taken from an earlier response): for checking the store after
 * a request that set no cookie. `undefined` when the header carries no session cookie or nothing is stored under it.
 *
 * @example
 * const cookie = await createSessionCookie(SessionMiddleware, { cart: ['a'] });
 * await request(app).post('/cart').set('Cookie', cookie).send({ sku: 'b' });
 * expect(await readSessionFromCookie(SessionMiddleware, cookie)).to.deep.equal({ cart: ['a', 'b'] });
 */
export async function readSessionFromCookie(
  source: SessionSource,
  cookie: string,
  options?: SessionSourceOptions,
): Promise<SessionRecord | undefined> {
  const config = resolveSessionSource(source, options);
  const id = readCookie(cookie, config.cookie.name);
  return id === undefined ? undefined : readStoredData(config, id);
}

async function readStoredData(config: SessionConfig, id: string): Promise<SessionRecord | undefined> {
  const ctx: BackendContext = { now: config.now(), lifetime: config.maxLifetime, ttl: config.serverLifetime };
  const record = await config.backend.read(id, ctx);
  if (!isPlainObject(record)) return undefined;
  const { [METADATA_KEY]: _metadata, [FLASH_KEY]: _flashes, ...data } = record;
  // No data is no session, as the middleware reads it.
  if (Object.keys(data).length === 0) return undefined;
  // A detached copy: a backend may hand out the object it keeps.
  return parseSession(stringifySession(data));
}
