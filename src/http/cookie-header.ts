/**
 * Reads one cookie from a `Cookie` request header without parsing the others: the hot path only needs ours.
 */
import { isCookieValue } from './cookie-octets';
import { debug } from '../internal/debug';

/**
 * The value of the first cookie called `name` in `header`, or `undefined` when it is absent or malformed.
 *
 * The first occurrence wins (browsers send the most specific path first, RFC 6265 §5.4); a name that merely ends
 * with `name` (`xsession` for `session`) does not match. A value that is not 1 to 4096 cookie-octets is treated
 * as no cookie at all, so it never reaches a backend.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  const needle = name + '=';
  let from = 0;
  for (;;) {
    const at = header.indexOf(needle, from);
    if (at === -1) return undefined;
    if (startsCookiePair(header, at)) {
      if (debug.enabled && isRepeated(header, needle, at))
        debug('the Cookie header carries the session cookie more than once: the first is used');
      return cookieValue(header, at + needle.length);
    }
    from = at + 1;
  }
}

/** True when the pair at `at` starts the header or follows `;` (and optional whitespace). */
function startsCookiePair(header: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (header.charCodeAt(i) === 32 || header.charCodeAt(i) === 9)) i--;
  return i < 0 || header.charCodeAt(i) === 59; // ';'
}

function cookieValue(header: string, start: number): string | undefined {
  const end = header.indexOf(';', start);
  let value = (end === -1 ? header.slice(start) : header.slice(start, end)).trim();
  // RFC 6265 allows the value in double quotes; the quotes are not part of it.
  if (value.length >= 2 && value.charCodeAt(0) === 34 && value.charCodeAt(value.length - 1) === 34) {
    value = value.slice(1, -1);
  }
  if (isCookieValue(value)) return value;
  debug('session cookie ignored: not 1 to 4096 cookie-octets');
  return undefined;
}

/** Whether another pair named like the one at `at` follows it (cookie tossing, or paths that overlap). */
function isRepeated(header: string, needle: string, at: number): boolean {
  for (let next = header.indexOf(needle, at + 1); next !== -1; next = header.indexOf(needle, next + 1)) {
    if (startsCookiePair(header, next)) return true;
  }
  return false;
}
