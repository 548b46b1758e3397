/**
 * The backend conformance suite, the merge (concurrency), user-sessions and lock suites for SqliteBackend on a
 * real SQLite file, in the clear and with encryptAtRest. SQLite measures expiry on ctx.now, so `honoursTtl` holds;
 * a new record never replaces a live one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionBackend } from '../../src';
import { SqliteBackend, type UserIndexOptions } from '../../src';
import { SECRET } from '../support/app';
import { describeBackendConformance } from './backend-conformance';
import { describeLockConformance } from './lock-conformance';
import { describeMergeConformance } from './merge-conformance';
import { describeUserSessionsConformance } from './user-sessions-conformance';

describe('SqliteBackend on a real SQLite file', () => {
  let folder: string;
  let files = 0;

  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'rcs-sqlite-conformance-'));
  });

  after(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  // A file of its own for every backend, so each starts empty.
  const make = (options: UserIndexOptions & { encryptAtRest?: { secretKey: string } } = {}): SessionBackend =>
    new SqliteBackend({ filename: join(folder, `sessions-${++files}.db`), ...options });
  const hooks = { dispose: (backend: SessionBackend) => (backend as SqliteBackend).close() };

  for (const [variant, sealing] of [
    ['', {}],
    [' (encryptAtRest)', { encryptAtRest: { secretKey: SECRET } }],
  ] as const) {
    const name = `SqliteBackend${variant}`;
    const capabilities = { revocable: true, honoursTtl: true, createsOnlyIfAbsent: true, locks: true };
    describeBackendConformance(name, () => make(sealing), capabilities, hooks);
    describeMergeConformance(name, () => make(sealing), hooks);
    describeUserSessionsConformance(name, options => make({ ...sealing, ...options }), hooks);
  }
  describeLockConformance('SqliteBackend', () => make(), hooks);
});
