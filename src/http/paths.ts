/** Request-path helpers shared by `autoload` and the cookie's `path`. */
import type { Request } from 'express';

/** The request's path as the client sent it, without the query string (independent of mount points). */
export function requestPath(req: Request): string {
  let url = req.originalUrl ?? req.url ?? '/';
  // An absolute-form request target (`GET http://host/path`) is routed by express on its path alone.
  if (url.charCodeAt(0) !== 47) url = absolutePath(url);
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function absolutePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '/';
  }
}

/**
 * True when `path` lies under `prefix` on a segment boundary (RFC 6265 §5.1.4 path-match):
 * `/app` matches `/app` and `/app/x`, never `/application`.
 */
export function isUnderPath(path: string, prefix: string): boolean {
  if (!path.startsWith(prefix)) return false;
  return path.length === prefix.length || prefix.endsWith('/') || path.charCodeAt(prefix.length) === 47; // '/'
}
