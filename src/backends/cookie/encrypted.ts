/**
 * EncryptedCookieBackend: the session data travels in the cookie itself, encrypted and authenticated (AES-256-GCM),
 * so the client can neither read nor change it.
 *
 * Value: `e1.<base64url of: sealed-at (6 bytes, unix seconds, big-endian) | nonce (12) | ciphertext | tag (16)>`.
 * `e1` marks the format and its version; it and the seal time are authenticated with the data (GCM's associated
 * data), so neither can be changed, and a value of another format (a signed `CookieBackend` value among them) has
 * the wrong shape and is never decoded any other way. Anything that does not open, is older than `maxAge` or dated in
 * the future is no session at all, never an error.
 */
import { decodeBase64url } from '../crypto/base64url';
import { checkCookieBackendOptions } from './options';
import type { OpenedValue } from './opened-values';
import { AesGcmSealer, NONCE_BYTES, TAG_BYTES } from '../crypto/sealing';
import { StatelessCookieBackend } from './stateless';

/** Options of {@link EncryptedCookieBackend}. */
export interface EncryptedCookieBackendOptions {
  /** One secret, or several for rotation: the first seals, all open. Each at least 32 characters. */
  secretKey: string | readonly string[];
  /**
   * What these cookies are for, bound into the encryption key: values sealed for another purpose under the same
   * secret do not open. `configureSessions()` passes the cookie name, so two areas sharing a secret cannot swap
   * cookies.
   * @default none (one purpose for every EncryptedCookieBackend with this secret)
   */
  purpose?: string;
  /**
   * Oldest seal accepted, in seconds.
   * @default the middleware's server-side lifetime (`lifetime`, 14 days by default)
   */
  maxAge?: number;
}

/** HKDF purpose of the encryption key: distinct from CookieBackend's, so no key is ever shared between the two. */
const PURPOSE = 'routing-controllers-sessions/encrypted-cookie-backend/v1';
/** Format and version marker; a new format gets a new marker, never a fallback to an old decoder. */
const FORMAT = 'e1';
const PREFIX = `${FORMAT}.`;
/** The seal time as a 48-bit unsigned integer: good for millions of years. */
const TIMESTAMP_BYTES = 6;
/** Bytes of a value around its plaintext, which is at least `{}`. */
const MIN_SEALED_BYTES = TIMESTAMP_BYTES + NONCE_BYTES + TAG_BYTES + 2;

/**
 * Keeps the session in an encrypted cookie: no server state, and the client cannot read the data.
 *
 * Like {@link CookieBackend}, sessions cannot be revoked server-side (a copied cookie stays valid until it expires),
 * and the 4096-byte cookie limit bounds the data. Values are about as long as CookieBackend's for the same data.
 * Rotate keys by putting the new one first: values sealed with an older one still open, and are re-sealed with the
 * newest on their next request.
 *
 * @example
 * configureSessions({ secretKey: [newKey, oldKey], backend: EncryptedCookieBackend });
 * // or, with its own key and age limit:
 * configureSessions({ secretKey, backend: new EncryptedCookieBackend({ secretKey, maxAge: 3600, purpose: 'session' }) });
 */
export class EncryptedCookieBackend extends StatelessCookieBackend {
  private readonly sealer: AesGcmSealer;

  constructor(options: EncryptedCookieBackendOptions) {
    const { secrets, maxAge, purpose } = checkCookieBackendOptions('EncryptedCookieBackend', options);
    super(maxAge);
    this.sealer = new AesGcmSealer(secrets, purpose === undefined ? PURPOSE : `${PURPOSE}/${purpose}`);
  }

  protected seal(text: string, timestamp: number): string {
    const header = Buffer.alloc(TIMESTAMP_BYTES);
    header.writeUIntBE(timestamp, 0, TIMESTAMP_BYTES);
    const sealed = this.sealer.seal(Buffer.from(text, 'utf8'), associatedData(header));
    return PREFIX + Buffer.concat([header, sealed]).toString('base64url');
  }

  /** What a value carries, if it is exactly `e1.<canonical base64url>` and opens under one of the keys. */
  protected unseal(value: string): OpenedValue | undefined {
    if (!value.startsWith(PREFIX)) return undefined;
    const bytes = decodeBase64url(value.slice(PREFIX.length));
    if (bytes === undefined || bytes.length < MIN_SEALED_BYTES) return undefined;
    const header = bytes.subarray(0, TIMESTAMP_BYTES);
    const unsealed = this.sealer.open(bytes.subarray(TIMESTAMP_BYTES), associatedData(header));
    if (unsealed === undefined) return undefined;
    return {
      text: unsealed.plaintext.toString('utf8'),
      timestamp: header.readUIntBE(0, TIMESTAMP_BYTES),
      keyIndex: unsealed.keyIndex,
    };
  }
}

/** GCM's associated data: the format marker and the seal time, authenticated along with the data. */
function associatedData(header: Buffer): Buffer {
  return Buffer.concat([Buffer.from(FORMAT, 'ascii'), header]);
}
