import { createHash } from 'node:crypto';

/**
 * The 43-character base64url SHA-256 of `text`. Stores keep sessions under the digest of their id, never the id: a
 * dump shows no usable cookie, and a lookup's timing says nothing about how much of a guessed id was right.
 */
export function digest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}
