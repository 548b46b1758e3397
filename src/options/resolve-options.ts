/**
 * The session options: what users pass to `configureSessions()`, checked and defaulted once, at start-up,
 * into the frozen {@link SessionConfig} the middleware reads on every request.
 */
import type { Request } from 'express';
import { CookieBackend } from '../backends/cookie/signed';
import { SessionBackend, isSessionBackend } from '../backends/backend';
import { StatelessCookieBackend } from '../backends/cookie/stateless';
import { SessionError } from '../errors';
import { isCookieName } from '../http/cookie-octets';
import { isUnderPath, requestPath } from '../http/paths';
import { checkSecrets } from '../internal/secrets';
import { CookieSettings, SetCookieWriter } from '../http/set-cookie';
import { SessionSchema, type SessionValidationOptions } from '../schema/session-schema';
import type { ExpiryPolicy } from '../session/expiry';
import type { SessionMeta } from '../session/types';
import type { SessionRecord } from '../record';

/** Options of the session cookie. */
export interface SessionCookieOptions {
  /**
   * Cookie name. A `__Host-` prefix (with `secure: true`, `path: '/'` and no `domain`) stops sibling subdomains from
   * planting a session cookie (cookie tossing).
   * @default 'session'
   */
  name?: string;
  /** @default '/' */
  path?: string;
  /** @default none: the cookie goes back to the exact host only */
  domain?: string;
  /** @default 'lax' */
  sameSite?: 'lax' | 'strict' | 'none' | false;
  /** `'auto'`: Secure when the request came over HTTPS (`req.secure`; set express's `trust proxy` behind a proxy). @default true */
  secure?: boolean | 'auto';
  /** @default true */
  httpOnly?: boolean;
  /** CHIPS: keyed to the top-level site. Requires `secure: true`. @default false */
  partitioned?: boolean;
  /** Chrome's Priority attribute. @default unset */
  priority?: 'low' | 'medium' | 'high';
}

/** A backend instance, or a `SessionBackend` class resolved from the typedi container. */
export type BackendOption = SessionBackend | (abstract new (...args: never[]) => SessionBackend);

/** Options of `configureSessions()`. Every one is optional except `secretKey` for cookie backends. */
export interface SessionOptions {
  /** Signing secret(s), at least 32 characters each: the first signs, every entry verifies (rotation). */
  secretKey?: string | readonly string[];
  /**
   * Where sessions are stored: an instance, or a class resolved from the typedi container. The classes
   * `CookieBackend` and `EncryptedCookieBackend` (and their subclasses) are built from `secretKey` instead, with the
   * cookie name as their purpose.
   * @default a `CookieBackend` built from `secretKey`
   */
  backend?: BackendOption;
  /** `true`: load the session before every handler; or path prefixes (segment-wise) and RegExps to load it for. @default false */
  autoload?: boolean | ReadonlyArray<string | RegExp>;
  /**
   * Session lifetime in seconds (at most 400 days, browsers' cap). `0`: a browser-session cookie without Max-Age,
   * still expired on the server after {@link BROWSER_SESSION_LIFETIME} seconds.
   * @default 1209600 (14 days)
   */
  lifetime?: number;
  /**
   * Count the lifetime from the last activity instead of from creation: activity (a request that loads the
   * session) refreshes the cookie and the record, at most once per `touchAfter`.
   * @default false
   */
  rolling?: boolean;
  /**
   * Seconds of inactivity after which the session ends on the server, whatever the cookie says. Activity refreshes
   * it at most once per `touchAfter`, so it is exact to within `touchAfter` seconds.
   * @default 0 (none)
   */
  idleTimeout?: number;
  /**
   * Seconds after its creation (or its last `regenerate()` without `keepCreatedAt`) at which a session ends, however
   * active it is and however often it is re-signed or refreshed. OWASP recommends one for every application.
   * @default 0 (none; a session that is not rolling still ends after `lifetime`)
   */
  absoluteTimeout?: number;
  /**
   * Seconds since the last refresh before activity refreshes a rolling or idle-timed session again. Refreshing
   * sends the cookie again and extends the record (with the backend's cheap `touch()` when it has one, so the data
   * is not rewritten); a smaller value is more exact, a larger one writes less.
   * @default 60, or a quarter of the shortest of lifetime and idleTimeout when that is less
   */
  touchAfter?: number;
  /**
   * Seconds a backend call may take before the request fails with `SessionBackendError` (503); fractions allowed.
   * `0`: no limit (the backend's own timeouts apply).
   * @default 5
   */
  backendTimeout?: number;
  /**
   * What a failed or timed-out read of the session does. `'fail'`: the request fails with `SessionBackendError`
   * (503). `'degrade'`: the handler gets an empty, anonymous session with `req.session.meta.degraded === true`;
   * changing it, `regenerate()` or `destroy()` still fail with 503, since nothing can be saved.
   * @default 'fail'
   */
  onBackendFailure?: 'fail' | 'degrade';
  /**
   * Called for every session read from the backend: return true to end it (the record is removed and the cookie
   * cleared). The way to revoke copies of stateless cookie sessions, e.g. with a per-user "valid after" time
   * compared with `meta.createdAt`. Runs under `backendTimeout`; a throw counts as a failed read.
   * @default none
   */
  isRevoked?: (meta: SessionMeta, data: Readonly<SessionRecord>, request: Request) => boolean | Promise<boolean>;
  /** The session cookie's attributes. */
  cookie?: SessionCookieOptions;
  /** Also commit the changes of requests that end in a 5xx. @default false (4xx responses always commit) */
  commitOnServerError?: boolean;
  /** Called when a commit fails after the handler finished (the client already gets the error status). */
  onError?: (error: Error, request: Request) => void;
  /** Clock in milliseconds since the epoch; replace it in tests to move time. @default Date.now */
  clock?: () => number;
  /**
   * A class-validator / class-transformer class: session data is turned into it and validated when it loads, and
   * turned back into plain JSON when it is saved. @default none
   */
  schema?: new (...args: never[]) => object;
  /** How `schema` is applied: validator and transformer options, the invalid-data policy, a check before saving. */
  validation?: SessionValidationOptions;
}

/** Default `lifetime`: 14 days, in seconds. */
export const DEFAULT_LIFETIME = 14 * 24 * 3600;
/** Server-side lifetime of a browser-session cookie (`lifetime: 0`), in seconds: one day. */
export const BROWSER_SESSION_LIFETIME = 24 * 3600;
/** Node's timers fire at once beyond 2^31 - 1 ms (about 24.8 days). */
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);
/** Browsers cap cookie lifetimes at 400 days (RFC 6265bis). */
const MAX_LIFETIME = 400 * 24 * 3600;

/** The checked, defaulted, frozen options the middleware works with. */
export interface SessionConfig extends ExpiryPolicy {
  readonly backend: SessionBackend;
  /** Whether this request loads its session before the handler. */
  readonly autoload: (request: Request) => boolean;
  /** Cookie Max-Age in seconds; 0 for a browser-session cookie. */
  readonly lifetime: number;
  /** Milliseconds; 0: none. */
  readonly backendTimeout: number;
  readonly degrade: boolean;
  readonly isRevoked: SessionOptions['isRevoked'];
  readonly commitOnServerError: boolean;
  readonly cookie: CookieSettings;
  readonly setCookie: SetCookieWriter;
  /** Unix seconds. */
  readonly now: () => number;
  readonly onError: ((error: Error, request: Request) => void) | undefined;
  readonly schema: SessionSchema | undefined;
}

const KNOWN_OPTIONS = new Set([
  'secretKey',
  'backend',
  'autoload',
  'lifetime',
  'rolling',
  'idleTimeout',
  'absoluteTimeout',
  'touchAfter',
  'backendTimeout',
  'onBackendFailure',
  'isRevoked',
  'cookie',
  'commitOnServerError',
  'onError',
  'clock',
  'schema',
  'validation',
]);
const KNOWN_COOKIE_OPTIONS = new Set(['name', 'path', 'domain', 'sameSite', 'secure', 'httpOnly', 'partitioned', 'priority']);
const SAME_SITE = new Set(['lax', 'strict', 'none', false]);
const PRIORITY = new Set(['low', 'medium', 'high', undefined]);
/** A path of visible ASCII without `;` (which would end the attribute) that starts with `/`. */
const COOKIE_PATH = /^\/[\x21-\x3A\x3C-\x7E]*$/;
/** A host name: letters, digits, dots and hyphens, optionally with a leading dot. */
const COOKIE_DOMAIN = /^\.?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** Resolves a backend class to an instance; typedi's `Container.get` in practice. */
export type BackendResolver = (backendClass: Function) => unknown;

/**
 * Checks `options`, applies the defaults and returns the frozen configuration.
 *
 * @throws SessionError with code `INVALID_OPTION`, naming the option (never echoing a secret).
 */
export function resolveSessionOptions(options: SessionOptions, resolveClass: BackendResolver): SessionConfig {
  if (typeof options !== 'object' || options === null) {
    throw invalid('options', 'expected an object such as `{ secretKey: process.env.SESSION_SECRET }`');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw invalid(key, `unknown option; the options are ${[...KNOWN_OPTIONS].join(', ')}`);
  }
  const lifetime = options.lifetime ?? DEFAULT_LIFETIME;
  if (!Number.isInteger(lifetime) || lifetime < 0 || lifetime > MAX_LIFETIME) {
    throw invalid('lifetime', `expected whole seconds from 0 (browser-session cookie) to ${MAX_LIFETIME} (400 days)`);
  }
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function') throw invalid('clock', 'expected a function returning milliseconds since the epoch');
  if (options.onError !== undefined && typeof options.onError !== 'function') throw invalid('onError', 'expected a function');
  const cookie = resolveCookie(options.cookie ?? {});
  const serverLifetime = lifetime > 0 ? lifetime : BROWSER_SESSION_LIFETIME;
  const idleTimeout = checkSeconds('idleTimeout', options.idleTimeout);
  const absoluteTimeout = checkSeconds('absoluteTimeout', options.absoluteTimeout);
  const window = Math.min(serverLifetime, idleTimeout || Infinity);
  const touchAfter = options.touchAfter ?? Math.min(60, Math.floor(window / 4));
  if (!Number.isInteger(touchAfter) || touchAfter < 0 || touchAfter >= window) {
    throw invalid('touchAfter', `expected whole seconds from 0 to less than the shortest of lifetime and idleTimeout (${window})`);
  }
  const backendTimeout = options.backendTimeout ?? 5;
  if (typeof backendTimeout !== 'number' || !(backendTimeout >= 0) || backendTimeout > MAX_TIMER_SECONDS) {
    throw invalid('backendTimeout', `expected seconds from 0 (no limit) to ${MAX_TIMER_SECONDS}; fractions allowed`);
  }
  const onBackendFailure = options.onBackendFailure ?? 'fail';
  if (onBackendFailure !== 'fail' && onBackendFailure !== 'degrade') throw invalid('onBackendFailure', "expected 'fail' or 'degrade'");
  if (options.isRevoked !== undefined && typeof options.isRevoked !== 'function') throw invalid('isRevoked', 'expected a function');

  return Object.freeze({
    backend: resolveBackend(options, resolveClass, cookie.name),
    autoload: resolveAutoload(options.autoload ?? false),
    lifetime,
    serverLifetime,
    rolling: checkBoolean('rolling', options.rolling, false),
    idleTimeout,
    absoluteTimeout,
    touchAfter,
    backendTimeout: Math.ceil(backendTimeout * 1000),
    degrade: onBackendFailure === 'degrade',
    isRevoked: options.isRevoked,
    commitOnServerError: checkBoolean('commitOnServerError', options.commitOnServerError, false),
    cookie,
    setCookie: new SetCookieWriter(cookie),
    now: () => Math.floor(clock() / 1000),
    onError: options.onError,
    schema: resolveSchema(options.schema, options.validation),
  });
}

const KNOWN_VALIDATION_OPTIONS = new Set(['validator', 'transformer', 'onInvalid', 'beforeSave']);

function resolveSchema(schema: unknown, validation: SessionValidationOptions | undefined): SessionSchema | undefined {
  if (schema === undefined) {
    if (validation !== undefined) throw invalid('validation', 'applies to a `schema`; set `schema` too');
    return undefined;
  }
  if (typeof schema !== 'function') throw invalid('schema', 'expected a class decorated with class-validator decorators');
  const options = validation ?? {};
  if (typeof options !== 'object' || options === null) throw invalid('validation', 'expected an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN_VALIDATION_OPTIONS.has(key)) throw invalid(`validation.${key}`, `unknown option; they are ${[...KNOWN_VALIDATION_OPTIONS].join(', ')}`);
  }
  if (options.onInvalid !== undefined && options.onInvalid !== 'reset' && options.onInvalid !== 'reject') {
    throw invalid('validation.onInvalid', "expected 'reset' or 'reject'");
  }
  checkBoolean('validation.beforeSave', options.beforeSave, false);
  return new SessionSchema(schema as new () => object, options);
}

function resolveBackend(options: SessionOptions, resolveClass: BackendResolver, cookieName: string): SessionBackend {
  const { backend, secretKey } = options;
  const secrets = secretKey === undefined ? undefined : checkSecrets(secretKey);
  if (typeof secrets === 'string') throw invalid('secretKey', secrets);

  const cookieBacked = backend === undefined || (typeof backend === 'function' && isCookieBackendClass(backend));
  if (cookieBacked) {
    if (secrets === undefined) {
      throw invalid('secretKey', 'required for the cookie backend (the default); pass `secretKey: process.env.SESSION_SECRET`');
    }
    // CookieBackend, EncryptedCookieBackend or a subclass: all take these options.
    const CookieClass = (backend ?? CookieBackend) as typeof CookieBackend;
    // Signed (or sealed) for this cookie name: a cookie of another area sharing the secret does not open here.
    return new CookieClass({ secretKey: secrets, purpose: cookieName });
  }
  if (typeof backend === 'function') {
    let instance: unknown;
    try {
      instance = resolveClass(backend);
    } catch (error) {
      throw new SessionError(
        'INVALID_OPTION',
        `Invalid session option \`backend\`: ${backend.name || 'the class'} could not be resolved from the container; ` +
          'decorate it with @Service() or register an instance with Container.set()',
        { cause: error },
      );
    }
    if (!isSessionBackend(instance)) throw invalid('backend', `${backend.name} does not extend SessionBackend`);
    return instance;
  }
  if (!isSessionBackend(backend)) {
    throw invalid('backend', 'expected a SessionBackend instance or class (with read, write, remove and exists)');
  }
  return backend;
}

/** The built-in backends that keep the session in the cookie, and their subclasses: built from `secretKey`. */
function isCookieBackendClass(backendClass: Function): boolean {
  return backendClass.prototype instanceof StatelessCookieBackend;
}

function resolveAutoload(autoload: unknown): (request: Request) => boolean {
  if (autoload === true) return () => true;
  if (autoload === false) return () => false;
  if (!Array.isArray(autoload)) throw invalid('autoload', 'expected true, false, or a list of path prefixes and RegExps');
  const prefixes: string[] = [];
  const patterns: RegExp[] = [];
  for (const entry of autoload as unknown[]) {
    if (entry instanceof RegExp) patterns.push(entry);
    else if (typeof entry === 'string' && entry.startsWith('/')) prefixes.push(entry);
    else throw invalid('autoload', 'every entry must be a RegExp or a path prefix starting with "/"');
  }
  // express routes ignore case unless 'case sensitive routing' is on; prefixes follow the app's setting.
  const folded = prefixes.map(prefix => prefix.toLowerCase());
  return request => {
    const path = requestPath(request);
    const caseSensitive = request.app?.enabled('case sensitive routing') === true;
    const candidates = caseSensitive ? prefixes : folded;
    const subject = caseSensitive ? path : path.toLowerCase();
    return candidates.some(prefix => isUnderPath(subject, prefix)) || patterns.some(pattern => testPattern(pattern, path));
  };
}

/** A global or sticky RegExp keeps state between calls; reset it so every request is judged alike. */
function testPattern(pattern: RegExp, path: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(path);
}

function resolveCookie(cookie: SessionCookieOptions): CookieSettings {
  if (typeof cookie !== 'object' || cookie === null) throw invalid('cookie', 'expected an object');
  for (const key of Object.keys(cookie)) {
    if (!KNOWN_COOKIE_OPTIONS.has(key)) {
      throw invalid(`cookie.${key}`, `unknown cookie option; they are ${[...KNOWN_COOKIE_OPTIONS].join(', ')}`);
    }
  }
  const name = cookie.name ?? 'session';
  if (typeof name !== 'string' || !isCookieName(name)) {
    throw invalid('cookie.name', 'expected a cookie name: letters, digits and !#$%&\'*+-.^_`|~ only');
  }
  const path = cookie.path ?? '/';
  if (typeof path !== 'string' || !COOKIE_PATH.test(path)) {
    throw invalid('cookie.path', 'expected a path starting with "/" without ";", spaces or control characters');
  }
  const domain = cookie.domain;
  if (domain !== undefined && (typeof domain !== 'string' || !COOKIE_DOMAIN.test(domain))) {
    throw invalid('cookie.domain', 'expected a host name such as "example.com"');
  }
  const sameSite = cookie.sameSite ?? 'lax';
  if (!SAME_SITE.has(sameSite)) throw invalid('cookie.sameSite', "expected 'lax', 'strict', 'none' or false");
  const secure = cookie.secure ?? true;
  if (secure !== true && secure !== false && secure !== 'auto') throw invalid('cookie.secure', "expected true, false or 'auto'");
  const partitioned = checkBoolean('cookie.partitioned', cookie.partitioned, false);
  const priority = cookie.priority;
  if (!PRIORITY.has(priority)) throw invalid('cookie.priority', "expected 'low', 'medium' or 'high'");

  if (sameSite === 'none' && secure !== true) {
    throw invalid('cookie.sameSite', "'none' requires `cookie.secure: true`: browsers reject SameSite=None cookies without Secure");
  }
  if (partitioned && secure !== true) throw invalid('cookie.partitioned', 'requires `cookie.secure: true`');
  // Browsers match the prefixes case-insensitively (RFC 6265bis), so the checks do too.
  const lowerName = name.toLowerCase();
  if (lowerName.startsWith('__secure-') && secure !== true) {
    throw invalid('cookie.name', 'a "__Secure-" cookie requires `cookie.secure: true`');
  }
  if (lowerName.startsWith('__host-') && (secure !== true || path !== '/' || domain !== undefined)) {
    throw invalid('cookie.name', 'a "__Host-" cookie requires `cookie.secure: true`, `cookie.path: "/"` and no `cookie.domain`');
  }
  return Object.freeze({
    name,
    path,
    domain,
    sameSite,
    secure,
    httpOnly: checkBoolean('cookie.httpOnly', cookie.httpOnly, true),
    partitioned,
    priority,
  });
}

/** A timeout in whole seconds, 0 (none) by default; at most 400 days. */
function checkSeconds(option: string, value: unknown): number {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_LIFETIME) {
    throw invalid(option, `expected whole seconds from 1 to ${MAX_LIFETIME} (400 days), or 0 for none`);
  }
  return value as number;
}

function checkBoolean(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(option, 'expected true or false');
  return value;
}

function invalid(option: string, message: string): SessionError {
  return new SessionError('INVALID_OPTION', `Invalid session option \`${option}\`: ${message}`);
}
