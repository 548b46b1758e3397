/**
 * A warning for the one cookie mistake that fails silently: a `Secure` cookie set over plain http from another host.
 * Browsers drop it (they accept Secure cookies over http only from localhost), so a login answers 200 and the next
 * request is anonymous. Typical behind a TLS proxy without express's `trust proxy`, or on a LAN or compose address.
 */
import type { Request } from 'express';

let warned = false;

/** Warns once per process when `request` is neither secure nor from loopback; never names a value or an id. */
export function warnIfInsecureTransport(request: Request): void {
  if (warned) return;
  // A local client without a proxy in between, decided without express's getters (`req.ip` costs 0.6 to 20 µs).
  if (isLoopback(request.socket?.remoteAddress) && !request.app?.get('trust proxy')) return;
  if (request.secure || isLoopback(request.ip)) return;
  warned = true;
  process.emitWarning(
    'A Secure session cookie was set on a plain http request from another host: browsers drop it, so the session ' +
      "is lost. Behind a TLS proxy, set `app.set('trust proxy', ...)`; to allow http, set `cookie: { secure: 'auto' }`.",
    { type: 'SecurityWarning', code: 'RCS_SECURE_COOKIE_OVER_HTTP' },
  );
}

function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const ip = address.startsWith('::ffff:') ? address.slice(7) : address;
  return ip === '::1' || ip.startsWith('127.');
}
