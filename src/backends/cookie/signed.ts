/**
 * CookieBackend: the session data travels in the cookie itself, signed (not encrypted: the client can read it).
 *
 * Value: `<base64url JSON>.<signed-at, unix seconds>.<HMAC-SHA256, base64url>`. Anything that is not exactly that,
 * fails the signature, is older than `maxAge` or dated in the future is no session at all, never an error.
 */
import { checkCookieBackendOptions } from './options';
import { HmacSigner } from './signing';
import type { OpenedValue } from './opened-values';
import { StatelessCookieBackend } from './stateless';

/** Options of {@link CookieBackend}. */
export interface CookieBackendOptions {
  /** One secret, or several for rotation: the first signs, all verify. Each at least 32 characters. */
  secretKey: string | readonly string[];
  /**
   * What these cookies are for, bound into the signing key: values signed for another purpose under the same secret
   * do not verify. `configureSessions()` passes the cookie name, so two areas sharing a secret cannot swap cookies.
   * @default none (one purpose for every CookieBackend with this secret)
   */
  purpose?: string;
  /**
   * Oldest signature accepted, in seconds.
   * @default the middleware's server-side lifetime (`lifetime`, 14 days by default)
   */
  maxAge?: number;
}

/** HKDF purpose of the signing key: a value signed for anything else never verifies here. */
const PURPOSE = 'routing-controllers-sessions/cookie-backend/v1';
const TIMESTAMP = /^[0-9]{1,12}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Keeps the session in a signed cookie: no server state, nothing to install. The default backend.
 *
 * Sessions cannot be revoked server-side (a copied cookie stays valid until it expires), and the data is readable
 * by the client: keep secrets out of it.
 *
 * @example
 * configureSessions({ secretKey, backend: new CookieBackend({ secretKey: [newKey, oldKey] }) });
 */
export class CookieBackend extends StatelessCookieBackend {
  private readonly signer: HmacSigner;

  constructor(options: CookieBackendOptions) {
    const { secrets, maxAge, purpose } = checkCookieBackendOptions('CookieBackend', options);
    super(maxAge);
    this.signer = new HmacSigner(secrets, purpose === undefined ? PURPOSE : `${PURPOSE}/${purpose}`);
  }

  protected seal(text: string, timestamp: number): string {
    const signed = `${Buffer.from(text).toString('base64url')}.${timestamp}`;
    return `${signed}.${this.signer.sign(signed)}`;
  }

  /** What a value carries, if it is exactly `<base64url>.<timestamp>.<signature>` under one of the keys. */
  protected unseal(value: string): OpenedValue | undefined {
    const lastDot = value.lastIndexOf('.');
    const firstDot = value.indexOf('.');
    if (firstDot <= 0 || firstDot === lastDot) return undefined;
    const signed = value.slice(0, lastDot);
    const payload = value.slice(0, firstDot);
    const timestamp = value.slice(firstDot + 1, lastDot);
    // Node's base64url decoder skips foreign characters; anything but the exact alphabet is not our value.
    if (!TIMESTAMP.test(timestamp) || !BASE64URL.test(payload)) return undefined;

    const keyIndex = this.signer.verify(signed, value.slice(lastDot + 1));
    if (keyIndex === -1) return undefined;
    return { text: Buffer.from(payload, 'base64url').toString('utf8'), timestamp: Number(timestamp), keyIndex };
  }
}
