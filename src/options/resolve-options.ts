/**
 * The check of what users pass to `configureSessions()`: validated and defaulted once, at start-up,
 * into the frozen {@link SessionConfig} the middleware reads on every request.
 */
import type { SessionConfig } from '../session/config';
import { SetCookieWriter } from '../http/set-cookie';
import { resolveAutoload } from './autoload';
import { type BackendResolver, resolveBackend } from './backend-option';
import { MAX_LIFETIME, checkBoolean, checkSeconds, invalid } from './checks';
import { resolveCookieOptions } from './cookie-options';
import { resolveHeaderOption } from './header-option';
import { resolveSchema } from './schema-option';
import { BROWSER_SESSION_LIFETIME, DEFAULT_LIFETIME, type SessionOptions } from './session-options';

/** Node's timers fire at once beyond 2^31 - 1 ms (about 24.8 days). */
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

const KNOWN_OPTIONS = new Set([
  'secretKey',
  'backend',
  'autoload',
  'lifetime',
  'maxLifetime',
  'rolling',
  'idleTimeout',
  'absoluteTimeout',
  'touchAfter',
  'renewAfter',
  'renewalGrace',
  'backendTimeout',
  'lockTimeout',
  'lockLease',
  'onBackendFailure',
  'isRevoked',
  'cookie',
  'header',
  'commitOnServerError',
  'onError',
  'onEvent',
  'clock',
  'schema',
  'validation',
]);

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
  if (options.onError !== undefined && typeof options.onError !== 'function')
    throw invalid('onError', 'expected a function');
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function')
    throw invalid('onEvent', 'expected a function');
  const cookie = resolveCookieOptions(options.cookie === false ? {} : (options.cookie ?? {}));
  const header = resolveHeaderOption(options.header);
  if (options.cookie === false && header === undefined)
    throw invalid('cookie', 'false needs the `header` option: without a cookie, the id must travel in a header');
  const serverLifetime = lifetime > 0 ? lifetime : BROWSER_SESSION_LIFETIME;
  const maxLifetime = options.maxLifetime ?? serverLifetime;
  if (!Number.isInteger(maxLifetime) || maxLifetime < serverLifetime || maxLifetime > MAX_LIFETIME) {
    throw invalid(
      'maxLifetime',
      `expected whole seconds from the server-side lifetime (${serverLifetime}) to ${MAX_LIFETIME} (400 days)`,
    );
  }
  const idleTimeout = checkSeconds('idleTimeout', options.idleTimeout);
  const absoluteTimeout = checkSeconds('absoluteTimeout', options.absoluteTimeout);
  const window = Math.min(serverLifetime, idleTimeout || Infinity);
  const touchAfter = options.touchAfter ?? Math.min(60, Math.floor(window / 4));
  if (!Number.isInteger(touchAfter) || touchAfter < 0 || touchAfter >= window) {
    throw invalid(
      'touchAfter',
      `expected whole seconds from 0 to less than the shortest of lifetime and idleTimeout (${window})`,
    );
  }
  const renewAfter = checkSeconds('renewAfter', options.renewAfter);
  if (renewAfter === 1)
    throw invalid('renewAfter', 'expected 0 (never) or at least 2 seconds, to leave a grace period');
  const renewalGrace = options.renewalGrace ?? Math.max(1, Math.min(30, Math.floor(renewAfter / 2)));
  if (!Number.isInteger(renewalGrace) || renewalGrace < 1 || (renewAfter > 0 && renewalGrace >= renewAfter)) {
    throw invalid('renewalGrace', 'expected whole seconds from 1 to less than renewAfter');
  }
  const backendTimeout = options.backendTimeout ?? 5;
  if (typeof backendTimeout !== 'number' || !(backendTimeout >= 0) || backendTimeout > MAX_TIMER_SECONDS) {
    throw invalid('backendTimeout', `expected seconds from 0 (no limit) to ${MAX_TIMER_SECONDS}; fractions allowed`);
  }
  const lockTimeout = checkTimer('lockTimeout', options.lockTimeout ?? 5, 0);
  const lockLease = checkTimer('lockLease', options.lockLease ?? 30, 0.001);
  const onBackendFailure = options.onBackendFailure ?? 'fail';
  if (onBackendFailure !== 'fail' && onBackendFailure !== 'degrade')
    throw invalid('onBackendFailure', "expected 'fail' or 'degrade'");
  if (options.isRevoked !== undefined && typeof options.isRevoked !== 'function')
    throw invalid('isRevoked', 'expected a function');

  return Object.freeze({
    backend: resolveBackend(options, resolveClass, cookie.name),
    autoload: resolveAutoload(options.autoload ?? false),
    lifetime,
    serverLifetime,
    maxLifetime,
    rolling: checkBoolean('rolling', options.rolling, false),
    idleTimeout,
    absoluteTimeout,
    touchAfter,
    renewAfter,
    renewalGrace,
    backendTimeout: Math.ceil(backendTimeout * 1000),
    lockTimeout,
    lockLease,
    degrade: onBackendFailure === 'degrade',
    isRevoked: options.isRevoked,
    commitOnServerError: checkBoolean('commitOnServerError', options.commitOnServerError, false),
    cookie,
    cookieTransport: options.cookie !== false,
    header,
    setCookie: new SetCookieWriter(cookie),
    now: () => Math.floor(clock() / 1000),
    onError: options.onError,
    onEvent: options.onEvent,
    schema: resolveSchema(options.schema, options.validation),
  });
}

/** Seconds, fractions allowed, from `min` to what a timer can wait; returned in whole milliseconds. */
function checkTimer(option: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !(value >= min) || value > MAX_TIMER_SECONDS) {
    const from = min === 0 ? '0' : 'more than 0';
    throw invalid(option, `expected seconds from ${from} to ${MAX_TIMER_SECONDS}; fractions allowed`);
  }
  return Math.ceil(value * 1000);
}
