/**
 * Automatic id renewal (the `renewAfter` option, OWASP's renewal timeout): every `renewAfter` seconds of a session's
 * life its id changes, data and deadlines kept. The old record is not removed but retired: for `renewalGrace`
 * seconds it holds only the new id, sealed, so that requests already in flight with the old id follow it to the
 * session instead of starting an empty one.
 *
 * The new id is sealed (AES-256-GCM) under a key derived from the old id: whoever holds the old id could use the
 * session anyway, but a copy of the store, which keeps records under digests of their ids, yields no usable id.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { RecordMetadata } from '../record';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** When the session got the id it has now: its last renewal or `regenerate()`, else its creation. */
export function idIssuedAt(metadata: RecordMetadata): number {
  return metadata.renewed ?? metadata.created;
}

/** The metadata of a record retired at `now` in favour of `successor`: it ends after `grace` seconds. */
export function retiredMetadata(
  metadata: RecordMetadata,
  oldId: string,
  successor: string,
  now: number,
  grace: number,
): RecordMetadata {
  return { created: metadata.created, accessed: now, expires: now + grace, successor: sealSuccessor(oldId, successor) };
}

/** The id a retired record under `oldId` hands on to, or `undefined` when it does not open. */
export function openSuccessor(oldId: string, sealed: string): string | undefined {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length <= NONCE_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(oldId), bytes.subarray(0, NONCE_BYTES));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const plain = decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES));
    return Buffer.concat([plain, decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

function sealSuccessor(oldId: string, successor: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyOf(oldId), nonce);
  const sealed = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, sealed, cipher.getAuthTag()]).toString('base64url');
}

function keyOf(oldId: string): Buffer {
  return createHash('sha256').update('routing-controllers-sessions successor\0').update(oldId).digest();
}
