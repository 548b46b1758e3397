/** Keys for one purpose each, from the app's secrets: what the signing, sealing and index keys are derived with. */
import { hkdfSync } from 'node:crypto';

/**
 * A 32-byte key for `purpose` from `secret` (HKDF-SHA256): a key derived for one purpose is useless for another,
 * so one secret may serve the cookie signatures, the encrypted cookies and encryption at rest.
 */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), purpose, 32));
}
