/**
 * AES-256-GCM sealing with key rotation: the authenticated-encryption counterpart of `signing.ts`.
 *
 * Each secret is stretched with HKDF-SHA256 and a purpose string (see `deriveKey`), so a value
 * sealed for one purpose never opens for another under the same secret, and the sealing keys are never the signing
 * keys. Every seal draws a fresh random 96-bit nonce (NIST SP 800-38D §8.2.2): with random nonces one key should seal
 * no more than 2^32 values, far beyond what a session cookie key sees between rotations.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deriveKey } from './key-derivation';

const ALGORITHM = 'aes-256-gcm';
/** GCM's recommended nonce size: 96 bits. */
export const NONCE_BYTES = 12;
/** The full 128-bit tag: shorter tags weaken GCM's forgery bound. */
export const TAG_BYTES = 16;

/** What {@link AesGcmSealer.open} found in a sealed value. */
export interface Unsealed {
  readonly plaintext: Buffer;
  /** Which key opened it: 0 is the newest. */
  readonly keyIndex: number;
}

/**
 * Nonces drawn from the CSPRNG at once: one call per 341 seals, where a call per seal costs about 10 µs. A Node
 * process never forks its memory, so no two processes hold the same pool.
 */
const NONCE_POOL_BYTES = NONCE_BYTES * 341;

/** Seals with the first key; opens with any. Sealed layout: `nonce (12) | ciphertext | tag (16)`. */
export class AesGcmSealer {
  private readonly keys: readonly Buffer[];
  /** Random bytes not handed out yet, from `poolOffset` on; each nonce is used once and never again. */
  private pool = Buffer.alloc(0);
  private poolOffset = 0;

  constructor(secrets: readonly string[], purpose: string) {
    this.keys = secrets.map(secret => deriveKey(secret, purpose));
  }

  /** `plaintext` encrypted under the newest key with a fresh nonce; `associated` is authenticated, not included. */
  seal(plaintext: Buffer, associated: Buffer): Buffer {
    const nonce = this.nextNonce();
    const cipher = createCipheriv(ALGORITHM, this.keys[0], nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(associated);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]);
  }

  private nextNonce(): Buffer {
    if (this.poolOffset === this.pool.length) {
      this.pool = randomBytes(NONCE_POOL_BYTES);
      this.poolOffset = 0;
    }
    const nonce = this.pool.subarray(this.poolOffset, this.poolOffset + NONCE_BYTES);
    this.poolOffset += NONCE_BYTES;
    return nonce;
  }

  /**
   * The plaintext of `sealed` and the index of the key that opened it, or `undefined` when no key does (tampered,
   * truncated, another purpose or a removed key: all alike).
   *
   * Every key is tried in turn: the value carries no key id, so it tells nobody which key generation sealed it. The
   * tag check is OpenSSL's constant-time comparison, and each attempt decrypts the whole value.
   */
  open(sealed: Buffer, associated: Buffer): Unsealed | undefined {
    if (sealed.length < NONCE_BYTES + TAG_BYTES) return undefined;
    const nonce = sealed.subarray(0, NONCE_BYTES);
    const ciphertext = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
    const tag = sealed.subarray(sealed.length - TAG_BYTES);
    for (let keyIndex = 0; keyIndex < this.keys.length; keyIndex++) {
      const plaintext = openWith(this.keys[keyIndex], nonce, ciphertext, tag, associated);
      if (plaintext !== undefined) return { plaintext, keyIndex };
    }
    return undefined;
  }
}

function openWith(key: Buffer, nonce: Buffer, ciphertext: Buffer, tag: Buffer, associated: Buffer): Buffer | undefined {
  const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(associated);
  decipher.setAuthTag(tag);
  // update() yields plaintext before the tag is checked: it is dropped unless final() authenticates it.
  const head = decipher.update(ciphertext);
  try {
    return Buffer.concat([head, decipher.final()]);
  } catch {
    return undefined;
  }
}
