/**
 * How the session cookie joins a held response when it is replayed: into the headers of a queued `writeHead()`, and
 * with the caching headers that keep a shared cache from handing one visitor's cookie to another.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * `writeHead(status, headers)` replaces a Set-Cookie header set earlier with `setHeader`, so the session cookie goes
 * into its headers argument when the queued response starts with one that sets cookies. Returns false otherwise.
 */
export function addCookieToWriteHead(
  queue: ReadonlyArray<{ method: string; args: unknown[] }>,
  cookie: string,
): boolean {
  const first = queue[0];
  if (first?.method !== 'writeHead') return false;
  const index = typeof first.args[1] === 'string' ? 2 : 1;
  const headers = first.args[index];
  if (Array.isArray(headers)) {
    // A flat [name, value, ...] list: the session cookie joins the last Set-Cookie pair.
    const copy = [...headers];
    for (let i = copy.length - 2; i >= 0; i -= 2) {
      if (String(copy[i]).toLowerCase() === 'set-cookie') {
        copy[i + 1] = [...toList(copy[i + 1]), cookie];
        first.args[index] = copy;
        return true;
      }
    }
    return false;
  }
  if (typeof headers !== 'object' || headers === null) return false;
  const key = Object.keys(headers).find(name => name.toLowerCase() === 'set-cookie');
  if (key === undefined) return false;
  const copy: OutgoingHttpHeaders = { ...(headers as OutgoingHttpHeaders) };
  copy[key] = [...toList(copy[key]), cookie];
  first.args[index] = copy;
  return true;
}

/**
 * A response that carries a session id must not be stored by a shared cache and handed to someone else
 * (RFC 9111 §3, OWASP): `Cache-Control: no-store` unless the app chose its own policy, and `Vary` on the request
 * header the id came in (`Cookie`, or the id header). `setHeader` is the response's own, unwrapped.
 */
export function preventCaching(
  res: ServerResponse,
  varyOn: string,
  setHeader: (name: string, value: string) => void,
): void {
  if (!res.hasHeader('cache-control')) setHeader('Cache-Control', 'no-store');
  const vary = toList(res.getHeader('vary')).join(', ');
  if (vary === '') return setHeader('Vary', varyOn);
  const listed = vary.split(',').some(entry => {
    const name = entry.trim().toLowerCase();
    return name === '*' || name === varyOn.toLowerCase();
  });
  if (!listed) setHeader('Vary', `${vary}, ${varyOn}`);
}

export function toList(value: unknown): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}
