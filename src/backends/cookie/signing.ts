/**
 * HMAC-SHA256 signatures with key rotation.
 *
 * Each secret is stretched with HKDF and a purpose string, so a value signed for one purpose (say, a session
 * cookie) never verifies for another, even under the same secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { deriveKey } from '../crypto/key-derivation';

const SIGNATURE_BYTES = 32;
/** Length of a base64url signature of {@link SIGNATURE_BYTES} bytes, without padding. */
export const SIGNATURE_LENGTH = 43;

/** Signs with the first key; verifies with any. */
export class HmacSigner {
  private readonly keys: readonly Buffer[];

  constructor(secrets: readonly string[], purpose: string) {
    this.keys = secrets.map(secret => deriveKey(secret, purpose));
  }

  /** The base64url signature of `message` under the newest key. */
  sign(message: string): string {
    return createHmac('sha256', this.keys[0]).update(message).digest('base64url');
  }

  /**
   * The index of the key whose signature `signature` is, or -1. Constant-time in the signature's content;
   * a signature of the wrong length is rejected before any comparison.
   */
  verify(message: string, signature: string): number {
    if (signature.length !== SIGNATURE_LENGTH) return -1;
    const given = Buffer.from(signature, 'base64url');
    // Non-alphabet characters are skipped by the decoder; re-encoding catches them.
    if (given.length !== SIGNATURE_BYTES || given.toString('base64url') !== signature) return -1;
    for (let i = 0; i < this.keys.length; i++) {
      const expected = createHmac('sha256', this.keys[i]).update(message).digest();
      if (timingSafeEqual(expected, given)) return i;
    }
    return -1;
  }
}
