/** Reads Set-Cookie headers of supertest responses, and builds Cookie request headers. */
import type { Response } from 'supertest';

export interface SetCookie {
  name: string;
  value: string;
  /** Attribute names in lower case; flags map to `true`. */
  attributes: Record<string, string | true>;
  raw: string;
}

/** Every Set-Cookie of the response, parsed. */
export function setCookies(res: Response): SetCookie[] {
  const header = res.headers['set-cookie'] as string[] | string | undefined;
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return lines.map(parseSetCookie);
}

/** The Set-Cookie for `name`, or undefined when the response sets none. */
export function sessionCookie(res: Response, name = 'session'): SetCookie | undefined {
  const found = setCookies(res).filter(cookie => cookie.name === name);
  if (found.length > 1) throw new Error(`the response sets ${found.length} "${name}" cookies`);
  return found[0];
}

/** The Cookie request header that sends back the session cookie set by `res`. */
export function cookieHeader(res: Response, name = 'session'): string {
  const cookie = sessionCookie(res, name);
  if (cookie === undefined) throw new Error(`the response sets no "${name}" cookie`);
  return `${name}=${cookie.value}`;
}

/** True when the Set-Cookie deletes the cookie. */
export function isCleared(cookie: SetCookie | undefined): boolean {
  return cookie !== undefined && cookie.value === '' && cookie.attributes['max-age'] === '0';
}

function parseSetCookie(raw: string): SetCookie {
  const [pair, ...rest] = raw.split(';');
  const eq = pair.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const part of rest) {
    const [key, ...value] = part.trim().split('=');
    attributes[key.toLowerCase()] = value.length ? value.join('=') : true;
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes, raw };
}
