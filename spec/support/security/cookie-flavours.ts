/**
 * The two cookie backends under attack, described alike so one adversarial spec runs against both: how to build
 * one, how to forge a genuine value by hand, and how to check by hand what a response set.
 */
import { CookieBackend, EncryptedCookieBackend, type SessionBackend } from '../../../src';
import { SECRET } from '../app';
import { type Target, forgeSealed, forgeSigned, openSealed, verifySigned } from './forge';

/** One cookie backend, as the security specs see it. */
export interface CookieFlavour {
  readonly name: string;
  /** The class, for `backend:` in the options (built from `secretKey` with the cookie name as purpose). */
  readonly backendClass: typeof CookieBackend | typeof EncryptedCookieBackend;
  /** An instance for the default cookie name `session`. */
  build(secretKey?: string | string[], maxAge?: number): SessionBackend;
  /** A genuine value carrying `text` (any text, JSON or not), dated `timestamp` (unix seconds). */
  forge(text: string, timestamp: number, target?: Target): string;
  /** The text and timestamp of `value` when it is genuine for `target`, checked without the backend. */
  open(value: string, target?: Target): { text: string; timestamp: number } | undefined;
  /** Where the integrity check sits: the signature, or the GCM tag. */
  readonly check: 'signature' | 'tag';
  /** The characters before the part an attacker would edit first (the data). */
  readonly dataStart: number;
}

export const SIGNED: CookieFlavour = {
  name: 'CookieBackend (signed, the default)',
  backendClass: CookieBackend,
  build: (secretKey = SECRET, maxAge) =>
    new CookieBackend({ secretKey, purpose: 'session', ...(maxAge ? { maxAge } : {}) }),
  forge: (text, timestamp, target) => forgeSigned(text, timestamp, target),
  open: (value, target) => verifySigned(value, target),
  check: 'signature',
  dataStart: 0,
};

export const SEALED: CookieFlavour = {
  name: 'EncryptedCookieBackend',
  backendClass: EncryptedCookieBackend,
  build: (secretKey = SECRET, maxAge) =>
    new EncryptedCookieBackend({ secretKey, purpose: 'session', ...(maxAge ? { maxAge } : {}) }),
  forge: (text, timestamp, target) => forgeSealed(text, timestamp, target),
  open: (value, target) => openSealed(value, target),
  check: 'tag',
  dataStart: 3,
};

export const FLAVOURS: readonly CookieFlavour[] = [SIGNED, SEALED];

/** The flavour that is not `flavour`: its values must never open in `flavour`'s backend. */
export function otherFlavour(flavour: CookieFlavour): CookieFlavour {
  return flavour === SIGNED ? SEALED : SIGNED;
}
