/**
 * Hand-made cookie values for the security specs: signed (CookieBackend) and sealed (EncryptedCookieBackend) by an
 * independent implementation of the documented schemes, so a spec can build a genuine value over anything (text
 * that is not JSON, a timestamp in the future, another purpose) and check what a response set without asking the
 * backend under test. Specs check that these agree with the backends before relying on them.
 *
 * Signed: HKDF-SHA256(secret, purpose) key; `<base64url text>.<timestamp>.<HMAC-SHA256 base64url>`.
 * Sealed: HKDF-SHA256(secret, purpose) key; `e1.<base64url: timestamp (6 bytes BE) | nonce (12) | AES-256-GCM
 * ciphertext | tag (16)>`, with `e1` and the timestamp bytes as associated data.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { SECRET } from '../app';

/** Purpose bases of the two backends; `configureSessions()` appends `/<cookie name>`. */
export const SIGNED_PURPOSE = 'routing-controllers-sessions/cookie-backend/v1';
export const SEALED_PURPOSE = 'routing-controllers-sessions/encrypted-cookie-backend/v1';

/** Who a value is for: the secret and the cookie name bound in (or `null` for a backend built without a purpose). */
export interface Target {
  secret?: string;
  cookieName?: string | null;
}

function key(base: string, { secret = SECRET, cookieName = 'session' }: Target): Buffer {
  const purpose = cookieName === null ? base : `${base}/${cookieName}`;
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), purpose, 32));
}

/** Options of {@link forgeSigned}. */
export interface SignedOptions extends Target {
  /** The payload segment as is, instead of base64url of the text. */
  rawPayload?: string;
  /** The timestamp segment as is. */
  rawTimestamp?: string;
}

/** A CookieBackend value over `text`, signed at `timestamp` (unix seconds); by default exactly as the backend signs. */
export function forgeSigned(text: string, timestamp: number, options: SignedOptions = {}): string {
  const signed = `${options.rawPayload ?? Buffer.from(text).toString('base64url')}.${options.rawTimestamp ?? timestamp}`;
  return `${signed}.${createHmac('sha256', key(SIGNED_PURPOSE, options)).update(signed).digest('base64url')}`;
}

/** The text and timestamp of a signed value, when it verifies under `target`; checked independently of the backend. */
export function verifySigned(value: string, target: Target = {}): { text: string; timestamp: number } | undefined {
  const parts = value.split('.');
  if (parts.length !== 3) return undefined;
  const [payload, timestamp, signature] = parts;
  const expected = createHmac('sha256', key(SIGNED_PURPOSE, target)).update(`${payload}.${timestamp}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (
    given.length !== expected.length ||
    given.toString('base64url') !== signature ||
    !timingSafeEqual(given, expected)
  )
    return undefined;
  return { text: Buffer.from(payload, 'base64url').toString('utf8'), timestamp: Number(timestamp) };
}

/** Options of {@link forgeSealed}. */
export interface SealedOptions extends Target {
  /** The format marker, in the prefix and the associated data. @default 'e1' */
  format?: string;
  /** A fixed nonce instead of a random one. */
  nonce?: Buffer;
}

/** An EncryptedCookieBackend value holding `plaintext`, sealed at `timestamp` (unix seconds). */
export function forgeSealed(plaintext: string | Buffer, timestamp: number, options: SealedOptions = {}): string {
  const format = options.format ?? 'e1';
  const header = Buffer.alloc(6);
  header.writeUIntBE(timestamp, 0, 6);
  const nonce = options.nonce ?? randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key(SEALED_PURPOSE, options), nonce, { authTagLength: 16 });
  cipher.setAAD(Buffer.concat([Buffer.from(format), header]));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return `${format}.${Buffer.concat([header, nonce, ciphertext, cipher.getAuthTag()]).toString('base64url')}`;
}

/** What a sealed value is made of, when it opens under `target`; checked independently of the backend. */
export interface OpenedSeal {
  text: string;
  timestamp: number;
  nonce: Buffer;
  ciphertext: Buffer;
}

/** Opens a sealed value by hand; `undefined` when it does not open under `target`. */
export function openSealed(value: string, target: Target = {}): OpenedSeal | undefined {
  if (!value.startsWith('e1.')) return undefined;
  const bytes = Buffer.from(value.slice(3), 'base64url');
  if (bytes.length < 6 + 12 + 16) return undefined;
  const header = bytes.subarray(0, 6);
  const nonce = bytes.subarray(6, 18);
  const ciphertext = bytes.subarray(18, bytes.length - 16);
  const decipher = createDecipheriv('aes-256-gcm', key(SEALED_PURPOSE, target), nonce, { authTagLength: 16 });
  decipher.setAAD(Buffer.concat([Buffer.from('e1'), header]));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  try {
    const text = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    return { text, timestamp: header.readUIntBE(0, 6), nonce: Buffer.from(nonce), ciphertext: Buffer.from(ciphertext) };
  } catch {
    return undefined;
  }
}
