/**
 * A warning for the one cookie mistake that fails silently: a `Secure` cookie set over plain http to a browser that
 * is not on localhost. Browsers drop it, so a login answers 200 and the next request is anonymous. Typical on a LAN
 * or compose address, or after moving an app from https to http.
 */
import type { Request } from 'express';

let warned = false;

/** The Secure attribute of the session cookie on `request` for the `cookie.secure` setting; warns where it fails. */
export function secureAttribute(request: Request, secure: boolean | 'auto'): boolean {
  if (secure === 'auto') return request.secure;
  if (secure) warnIfInsecureTransport(request);
  return secure;
}

/** Warns once per process when {@link isPlainHttpFromAfar} holds; never names a value or an id. */
export function warnIfInsecureTransport(request: Request): void {
  if (warned || !isPlainHttpFromAfar(request)) return;
  warned = true;
  process.emitWarning(
    'A Secure session cookie was set on a plain http request from a browser that is not on localhost: browsers drop ' +
      "it, so the session is lost. Behind a TLS proxy, set `app.set('trust proxy', ...)`; to allow http, set " +
      "`cookie: { secure: 'auto' }`.",
    { type: 'SecurityWarning', code: 'RCS_SECURE_COOKIE_OVER_HTTP' },
  );
}

/**
 * Whether `request` came over plain http from elsewhere than localhost, with no sign of a TLS proxy in front.
 * A forwarded `https` counts even when express does not trust the proxy: the browser is on https then.
 */
export function isPlainHttpFromAfar(request: Request): boolean {
  // A local client without a proxy in between, decided without express's getters (`req.ip` costs 0.6 to 20 µs).
  if (isLoopback(request.socket?.remoteAddress) && !request.app?.get('trust proxy')) return false;
  if (request.secure || isLoopback(request.ip)) return false;
  const { host, 'x-forwarded-proto': proto, forwarded } = request.headers;
  if (/^https\b/i.test(String(proto ?? '')) || /proto=https\b/i.test(String(forwarded ?? ''))) return false;
  // A browser on http://localhost keeps Secure cookies (a forwarded container port, say).
  return !/^(localhost|127(\.\d+){3}|\[::1\])(:\d+)?$/i.test(host ?? '');
}

function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const ip = address.startsWith('::ffff:') ? address.slice(7) : address;
  return ip === '::1' || ip.startsWith('127.');
}
