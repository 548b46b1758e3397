/**
 * What a stored record yields for one request: its data, unless it expired on the server, fails the schema or was
 * revoked. The session state adopts the result; this file decides it.
 */
import type { Request } from 'express';
import { SessionValidationError, type SessionValidationIssue } from '../errors';
import { debug } from '../internal/debug';
import { guardBackendCall } from './backend-call';
import type { FlashMessageLists, RecordMetadata, SessionRecord } from '../record';
import { parseSession, stringifySession } from '../serializers/json';
import type { SessionConfig } from './config';
import { isAlive, publicMeta } from './expiry';
import { takeStoredFlashes, withFlashes } from './flash';
import { EMPTY, type StoredRecord } from './stored-record';
import { RESERVED_KEYS } from './types';

/** Data to adopt, with its baseline text and metadata; `dropped`: the schema dropped stored keys. */
export interface LoadedData {
  readonly data: SessionRecord;
  readonly flashes: FlashMessageLists | undefined;
  readonly baseline: string;
  readonly metadata: RecordMetadata;
  readonly dropped: boolean;
}

/**
 * Reads the record under `id`: its data to adopt (then publishes `loaded`, if `announce`); `'ended'` when the record
 * exists but must go (expired, invalid under the 'reset' policy, revoked); `undefined` when there is none.
 *
 * @throws SessionValidationError (400) for data that fails the schema under the 'reject' policy.
 */
export async function loadData(
  config: SessionConfig,
  record: StoredRecord,
  id: string,
  now: number,
  request: Request,
  announce = true,
): Promise<LoadedData | 'ended' | undefined> {
  const read = await record.read(id);
  if (read.text === EMPTY) return undefined;
  // A record without metadata counts as created now.
  const metadata = read.metadata ?? record.metadata;
  if (!isAlive(config, metadata, now)) {
    debug('session ended on the server: expired');
    record.publish('expired');
    return 'ended';
  }
  const stored = parseSession(read.text);
  // Flash messages are not data: the schema never sees them.
  const flashes = stored === undefined ? undefined : takeStoredFlashes(stored);
  const valid = await validate(config, stored);
  if (!('data' in valid)) {
    record.publish('invalid');
    if (valid.issues === undefined) return 'ended';
    const name = config.schema!.type.name;
    throw new SessionValidationError(400, `The stored session fails ${name}; see \`errors\``, valid.issues);
  }
  const { data, plain } = valid;
  // As the state will serialise it (flashes last, wherever the store kept them), so that nothing reads as changed.
  const baseline =
    flashes !== undefined
      ? stringifySession(withFlashes(plain ?? data, flashes))
      : plain === undefined
        ? read.text
        : stringifySession(plain);
  if (config.isRevoked !== undefined) {
    // Under backendTimeout like a backend call, but not traced or reported as one: it is the app's own check.
    const revoked = await guardBackendCall('read', config.backendTimeout, () =>
      config.isRevoked!(publicMeta(config, metadata, now, false), data, request),
    );
    if (revoked) {
      debug('session ended on the server: revoked');
      record.publish('revoked');
      return 'ended';
    }
  }
  // A foreign record may use member names.
  for (const key of RESERVED_KEYS) {
    delete data[key];
    if (plain !== undefined) delete plain[key];
  }
  // The schema dropped stored keys: the next write replaces the record whole, so a merging store loses them too.
  const dropped =
    config.schema !== undefined && stored !== undefined && Object.keys(stored).some(key => !Object.hasOwn(data, key));
  if (announce) record.publish('loaded');
  return { data, flashes, baseline, metadata, dropped };
}

/**
 * The data as an instance of the schema, with its plain form; `{}` when it is not an object or fails the schema
 * under the 'reset' policy (the default, and the only one without a schema); the issues under 'reject'.
 */
async function validate(
  config: SessionConfig,
  data: SessionRecord | undefined,
): Promise<{ data: SessionRecord; plain?: SessionRecord } | { issues?: SessionValidationIssue[] }> {
  const schema = config.schema;
  if (schema === undefined) return data === undefined ? {} : { data };
  const result = data === undefined ? { issues: [] } : await schema.load(data);
  if ('instance' in result) return { data: result.instance, plain: result.plain };
  return schema.onInvalid === 'reset' ? {} : { issues: result.issues };
}
