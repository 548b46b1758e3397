/** What a response set for the session cookie, read from whatever a test holds of its Set-Cookie headers. */

/**
 * A response's Set-Cookie headers: supertest's response, node's `IncomingMessage`, a fetch `Response` (anything with
 * `headers`), or the header values themselves.
 */
export type SetCookieSource = string | readonly string[] | { readonly headers: object };

/** What the last Set-Cookie for the session cookie says. */
export type SessionCookieOutcome = { readonly value: string } | 'cleared' | undefined;

/** The last Set-Cookie of `source` for the cookie `name` (the one a browser keeps): its value, or that it clears it. */
export function sessionCookieOutcome(source: SetCookieSource, name: string): SessionCookieOutcome {
  let outcome: SessionCookieOutcome;
  for (const line of setCookieLines(source)) {
    const [pair, ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    const value = pair.slice(eq + 1).trim();
    outcome = value === '' || attributes.some(isExpiring) ? 'cleared' : { value };
  }
  return outcome;
}

/**
 * What the response header `name` (the `header` option's response header) says of the session id: the id, that
 * the session ended (an empty value), or nothing when the response has no such header.
 */
export function idHeaderOutcome(source: SetCookieSource, name: string): SessionCookieOutcome {
  if (typeof source !== 'object' || Array.isArray(source)) return undefined;
  const headers = (source as { headers: object }).headers as { get?: (name: string) => string | null } & Record<
    string,
    unknown
  >;
  const value = typeof headers.get === 'function' ? headers.get(name) : headers[name.toLowerCase()];
  if (typeof value !== 'string') return undefined;
  return value === '' ? 'cleared' : { value };
}

function setCookieLines(source: SetCookieSource): readonly string[] {
  if (typeof source === 'string') return [source];
  if (Array.isArray(source)) return source as readonly string[];
  const headers = (source as { headers: object }).headers as {
    getSetCookie?: () => string[];
    'set-cookie'?: string | string[];
  };
  if (typeof headers.getSetCookie === 'function') return headers.getSetCookie();
  const lines = headers['set-cookie'];
  return lines === undefined ? [] : typeof lines === 'string' ? [lines] : lines;
}

/** `Max-Age` of zero or less, or an `Expires` in the past: the browser drops the cookie (RFC 6265 §5.3). */
function isExpiring(attribute: string): boolean {
  const eq = attribute.indexOf('=');
  const key = attribute.slice(0, eq).trim().toLowerCase();
  const value = attribute.slice(eq + 1).trim();
  if (key === 'max-age') return Number(value) <= 0;
  return key === 'expires' && Date.parse(value) <= Date.now();
}
