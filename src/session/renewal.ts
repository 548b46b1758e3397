/**
 * Automatic id renewal (the `renewAfter` option, OWASP's renewal timeout): every `renewAfter` seconds of a session's
 * life its id changes, data and deadlines kept. The old record is not removed but retired: for `renewalGrace`
 * seconds it holds only the new id, sealed, so that requests already in flight with the old id follow it to the
 * session instead of starting an empty one.
 *
 * The new id is sealed (AES-256-GCM) under a key derived from the old id: whoever holds the old id could use the
 * session anyway, but a copy of the store, which keeps records under digests of their ids, yields no usable id.
 */
import { decodeBase64url } from '../backends/crypto/base64url';
import { AesGcmSealer } from '../backends/crypto/sealing';
import type { RecordMetadata } from '../record';

const PURPOSE = 'routing-controllers-sessions successor';
const NO_ASSOCIATED_DATA = Buffer.alloc(0);

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
  const sealed = sealerOf(oldId).seal(Buffer.from(successor, 'utf8'), NO_ASSOCIATED_DATA).toString('base64url');
  return { created: metadata.created, accessed: now, expires: now + grace, successor: sealed };
}

/** The id a retired record under `oldId` hands on to, or `undefined` when it does not open. */
export function openSuccessor(oldId: string, sealed: string): string | undefined {
  const bytes = decodeBase64url(sealed);
  return bytes === undefined ? undefined : sealerOf(oldId).open(bytes, NO_ASSOCIATED_DATA)?.plaintext.toString('utf8');
}

/** Renewals are rare: a sealer per call, keyed by the old id. */
function sealerOf(oldId: string): AesGcmSealer {
  return new AesGcmSealer([oldId], PURPOSE);
}
