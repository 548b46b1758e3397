/**
 * RFC 6265 §4.1.1 cookie-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
 * (visible ASCII except space, DQUOTE, comma, semicolon and backslash).
 */
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]{1,4096}$/;

/** RFC 6265 / RFC 9110 token: the characters allowed in a cookie name. */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Browsers keep at most 4096 bytes of name and value together (RFC 6265 §6.1). */
export const MAX_COOKIE_BYTES = 4096;

/** True when `value` is 1 to 4096 cookie-octets, the only values this library reads or writes. */
export function isCookieValue(value: string): boolean {
  return COOKIE_VALUE.test(value);
}

/** True when `name` is a valid cookie name (an RFC 9110 token). */
export function isCookieName(name: string): boolean {
  return COOKIE_NAME.test(name);
}
