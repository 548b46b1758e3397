/**
 * The session id in a header, for clients that keep no cookies (APIs, mobile apps): read from a request header
 * (`Authorization: Bearer <id>`, or the bare id in a header such as `X-Session-Id`) and sent back in a response
 * header when it changes. Ids are the same values a cookie would carry, so the same rule applies to them.
 */
import { isCookieValue } from './cookie-octets';

/** The header transport, checked: the resolved form of `SessionHeaderOptions`. */
export interface ResolvedIdHeader {
  /** Lower case, as Node keys request headers. */
  readonly requestName: string;
  /** The request header is `Authorization` with the Bearer scheme (RFC 6750). */
  readonly bearer: boolean;
  readonly responseName: string;
}

/** What a request's id header holds: `undefined` when absent; `null` when present without a usable id. */
export function readIdHeader(
  value: string | string[] | undefined,
  header: ResolvedIdHeader,
): string | null | undefined {
  if (value === undefined) return undefined;
  // Repeated headers arrive as a list (or joined by Node with ", ", which no id contains): none is trusted.
  if (typeof value !== 'string') return null;
  let id = value.trim();
  if (header.bearer) {
    // The scheme is case-insensitive (RFC 9110 §11.1); the token follows one or more spaces.
    if (id.length < 8 || id.slice(0, 7).toLowerCase() !== 'bearer ') return null;
    id = id.slice(7).trimStart();
  }
  return isCookieValue(id) ? id : null;
}
