/** The data, ids and contexts the conformance cases call a backend with. */
import type { BackendContext, SessionBackend } from '../../backends/backend';
import { METADATA_KEY, type SessionRecord } from '../../record';

/** RFC 6265 §4.1.1 cookie-octets: visible ASCII except space, DQUOTE, comma, semicolon and backslash. */
export const COOKIE_OCTETS = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+$/;
/** Fewest characters that can carry 128 bits when every character is one of the 90 cookie-octets. */
export const MIN_ID_CHARS = Math.ceil(128 / Math.log2(90));
/** Seconds a record lives in the cases that do not test expiry. */
export const LIFETIME = 3600;

/** The present in unix seconds, so that calls which omit `ctx` (and use the wall clock) agree with the others. */
export function currentSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Data that exercises JSON: nesting, arrays, unicode, cookie-hostile characters, and the library's metadata key. */
export function sampleRecord(now: number): SessionRecord {
  return {
    userId: 7,
    user: { name: 'Zoë', roles: ['admin', 'editor'], address: { city: 'Kraków' } },
    cart: [
      { sku: 'a-1', qty: 2 },
      { sku: 'b;2', qty: 1 },
    ],
    ratio: 1.5,
    flag: false,
    nothing: null,
    text: 'quote " comma , semicolon ; backslash \\ emoji ✓',
    // Metadata as records from before idle timeouts carry it (no `accessed`): backends keep it as given.
    [METADATA_KEY]: { created: now, expires: now + LIFETIME },
  };
}

/** Ids that no backend may choke on: empty, hostile to cookies, paths, prototypes and sizes. */
export const MALFORMED_IDS: readonly string[] = [
  '',
  ' ',
  'a b',
  'a;b=c',
  '"quoted"',
  '../../etc/passwd',
  'nul\u0000byte',
  'ünïcödé',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'x'.repeat(10_000),
];

/** The context the middleware passes at `now`, with a record's time to live. */
export function contextAt(now: number, ttl = LIFETIME): BackendContext {
  return { now, lifetime: LIFETIME, ttl };
}

/** Bits an id format can carry, estimated from many ids: shortest length times log2 of the alphabet they use. */
export function estimatedBits(ids: readonly string[]): number {
  const alphabet = new Set(ids.join(''));
  const shortest = ids.reduce((min, id) => Math.min(min, id.length), Infinity);
  return shortest * Math.log2(alphabet.size);
}

/**
 * Makes `backend.generateId()` return `id` once, then fresh ids again, as a weak generator would; returns what
 * undoes it.
 */
export function offerIdFirst(backend: SessionBackend, id: string): () => void {
  const own = Object.getOwnPropertyDescriptor(backend, 'generateId');
  const generate = backend.generateId.bind(backend);
  let offered = false;
  backend.generateId = () => {
    if (offered) return generate();
    offered = true;
    return id;
  };
  return () => {
    if (own) Object.defineProperty(backend, 'generateId', own);
    else delete (backend as { generateId?: unknown }).generateId;
  };
}
