/** The session cookie's options, and their check into the attributes every Set-Cookie carries. */
import { isCookieName } from '../http/cookie-octets';
import type { ResolvedCookieOptions } from '../http/set-cookie';
import { checkBoolean, invalid } from './checks';

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

const KNOWN_COOKIE_OPTIONS = new Set([
  'name',
  'path',
  'domain',
  'sameSite',
  'secure',
  'httpOnly',
  'partitioned',
  'priority',
]);
const SAME_SITE = new Set(['lax', 'strict', 'none', false]);
const PRIORITY = new Set(['low', 'medium', 'high', undefined]);
/** A path of visible ASCII without `;` (which would end the attribute) that starts with `/`. */
const COOKIE_PATH = /^\/[\x21-\x3A\x3C-\x7E]*$/;
/** A host name: letters, digits, dots and hyphens, optionally with a leading dot. */
const COOKIE_DOMAIN = /^\.?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** Checks `cookie` and applies the defaults. */
export function resolveCookieOptions(cookie: SessionCookieOptions): ResolvedCookieOptions {
  if (typeof cookie !== 'object' || cookie === null) throw invalid('cookie', 'expected an object');
  for (const key of Object.keys(cookie)) {
    if (!KNOWN_COOKIE_OPTIONS.has(key)) {
      throw invalid(`cookie.${key}`, `unknown cookie option; they are ${[...KNOWN_COOKIE_OPTIONS].join(', ')}`);
    }
  }
  const name = cookie.name ?? 'session';
  if (typeof name !== 'string' || !isCookieName(name)) {
    throw invalid('cookie.name', "expected a cookie name: letters, digits and !#$%&'*+-.^_`|~ only");
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
  if (secure !== true && secure !== false && secure !== 'auto')
    throw invalid('cookie.secure', "expected true, false or 'auto'");
  const partitioned = checkBoolean('cookie.partitioned', cookie.partitioned, false);
  const priority = cookie.priority;
  if (!PRIORITY.has(priority)) throw invalid('cookie.priority', "expected 'low', 'medium' or 'high'");

  if (sameSite === 'none' && secure !== true) {
    throw invalid(
      'cookie.sameSite',
      "'none' requires `cookie.secure: true`: browsers reject SameSite=None cookies without Secure",
    );
  }
  if (partitioned && secure !== true) throw invalid('cookie.partitioned', 'requires `cookie.secure: true`');
  // Browsers match the prefixes case-insensitively (RFC 6265bis), so the checks do too.
  const lowerName = name.toLowerCase();
  if (lowerName.startsWith('__secure-') && secure !== true) {
    throw invalid('cookie.name', 'a "__Secure-" cookie requires `cookie.secure: true`');
  }
  if (lowerName.startsWith('__host-') && (secure !== true || path !== '/' || domain !== undefined)) {
    throw invalid(
      'cookie.name',
      'a "__Host-" cookie requires `cookie.secure: true`, `cookie.path: "/"` and no `cookie.domain`',
    );
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
