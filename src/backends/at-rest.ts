/**
 * Encryption at rest for the server-side stores (`encryptAtRest`): each top-level value of a record is sealed on
 * its own with AES-256-GCM, so a dump of the store shows no session data and per-key merges keep working (a merge
 * replaces sealed values whole, as it replaces plain ones).
 *
 * A value is stored as the JSON string `"a1.<base64url of nonce | ciphertext | tag>"`, with the session's handle
 * (the hash of its id, the row key) and the value's key as GCM's associated data: a sealed value copied to another
 * session or another key does not open. The metadata (`__session`: created, accessed, expires, unix seconds) stays
 * clear, so the stores can refresh and list sessions without the key. The user index names users by an HMAC of
 * their id, never the id.
 */
import { createHmac } from 'node:crypto';
import { SessionError } from '../errors';
import { checkSecrets } from '../internal/secrets';
import { METADATA_KEY, type SessionRecord } from '../record';
import { recordFromFields } from '../serializers/record-fields';
import { decodeBase64url } from './crypto/base64url';
import { deriveKey } from './crypto/key-derivation';
import { AesGcmSealer } from './crypto/sealing';
import { markForRewrite } from './backend';

/** The `encryptAtRest` option of the server-side backends. */
export interface EncryptAtRestOptions {
  /**
   * One secret, or several for rotation: the first seals, all open, and a session sealed with an older one is
   * sealed again with the first on its next request. Each at least 32 characters; may be the app's `secretKey`
   * (the keys are derived for this purpose alone).
   */
  secretKey: string | readonly string[];
}

const PURPOSE = 'routing-controllers-sessions/encrypt-at-rest/v1';
const INDEX_PURPOSE = 'routing-controllers-sessions/encrypt-at-rest/user-index/v1';
/** Format and version marker of a sealed value. */
const PREFIX = 'a1.';

/** Seals and opens the values of records, and names users for the index, under one list of secrets. */
export class ValueSealer {
  private readonly sealer: AesGcmSealer;
  private readonly indexKeys: readonly Buffer[];

  /** The sealer `option` asks for, or `undefined` when it is absent; throws when it is malformed. */
  static of(backend: string, option: EncryptAtRestOptions | undefined): ValueSealer | undefined {
    if (option === undefined) return undefined;
    const secrets = checkSecrets((option as Partial<EncryptAtRestOptions> | null)?.secretKey);
    if (typeof secrets === 'string') {
      throw new SessionError('INVALID_OPTION', `Invalid ${backend} option \`encryptAtRest.secretKey\`: ${secrets}`);
    }
    return new ValueSealer(secrets);
  }

  private constructor(secrets: readonly string[]) {
    this.sealer = new AesGcmSealer(secrets, PURPOSE);
    this.indexKeys = secrets.map(secret => deriveKey(secret, INDEX_PURPOSE));
  }

  /** `set` (key, JSON text, key, JSON text, ...) with every value but the metadata sealed for the session `handle`. */
  sealFields(handle: string, set: readonly string[]): string[] {
    const sealed = set.slice();
    for (let i = 0; i < sealed.length; i += 2) {
      if (sealed[i] !== METADATA_KEY) sealed[i + 1] = this.sealValue(handle, sealed[i], sealed[i + 1]);
    }
    return sealed;
  }

  /**
   * The record whose stored form is `stored` (the record as the store holds it: sealed values), opened; marked for
   * rewrite when an older key sealed a value. `undefined` when a value does not open or is not sealed: tampered,
   * sealed under a removed key, or written before encryption was turned on; that is no session.
   */
  openRecord(handle: string, stored: SessionRecord): SessionRecord | undefined {
    const fields: string[] = [];
    let stale = false;
    for (const key of Object.keys(stored)) {
      if (key === METADATA_KEY) {
        fields.push(key, JSON.stringify(stored[key]));
        continue;
      }
      const opened = this.open(handle, key, stored[key]);
      if (opened === undefined) return undefined;
      fields.push(key, opened.text);
      stale ||= opened.keyIndex > 0;
    }
    const record = recordFromFields(fields);
    return record !== undefined && stale ? markForRewrite(record) : record;
  }

  /** The JSON text of the value `key` of the session `handle`, given as stored (a sealed string), or `undefined`. */
  openValue(handle: string, key: string, stored: unknown): string | undefined {
    return this.open(handle, key, stored)?.text;
  }

  /** What the index stores for the user named `name`: a keyed hash under the newest key. */
  userTag(name: string): string {
    return this.tagWith(this.indexKeys[0], name);
  }

  /** The tags the user `name` may be stored under: one per key, newest first (sessions not yet re-sealed). */
  userTags(name: string): string[] {
    return this.indexKeys.map(key => this.tagWith(key, name));
  }

  private sealValue(handle: string, key: string, text: string): string {
    const sealed = this.sealer.seal(Buffer.from(text, 'utf8'), associatedData(handle, key));
    return `"${PREFIX}${sealed.toString('base64url')}"`;
  }

  private open(handle: string, key: string, stored: unknown): { text: string; keyIndex: number } | undefined {
    if (typeof stored !== 'string' || !stored.startsWith(PREFIX)) return undefined;
    const bytes = decodeBase64url(stored.slice(PREFIX.length));
    const opened = bytes === undefined ? undefined : this.sealer.open(bytes, associatedData(handle, key));
    return opened === undefined ? undefined : { text: opened.plaintext.toString('utf8'), keyIndex: opened.keyIndex };
  }

  private tagWith(key: Buffer, name: string): string {
    return createHmac('sha256', key).update(name, 'utf8').digest('base64url');
  }
}

/** GCM's associated data: the session's handle and the value's key, so a value opens nowhere else. */
function associatedData(handle: string, key: string): Buffer {
  return Buffer.from(`${handle}\u0000${key}`, 'utf8');
}
