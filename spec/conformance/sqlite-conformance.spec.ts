/**
 * The backend conformance suite and the merge (concurrency) suite for SqliteBackend on a real SQLite file. SQLite
 * measures expiry on ctx.now, so `honoursTtl` holds; a new record never replaces a live one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionBackend } from '../../src';
import { SqliteBackend } from '../../src';
import { describeBackendConformance } from './backend-conformance';
import { describeMergeConformance } from './merge-conformance';

describe('SqliteBackend on a real SQLite file', () => {
  let folder: string;
  let files = 0;

  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'rcs-sqlite-conformance-'));
  });

  after(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  // A file of its own for every spec, so each starts empty.
  const factory = (): SessionBackend => new SqliteBackend({ filename: join(folder, `sessions-${++files}.db`) });
  const hooks = { dispose: (backend: SessionBackend) => (backend as SqliteBackend).close() };

  describeBackendConformance(
    'SqliteBackend',
    factory,
    { revocable: true, honoursTtl: true, createsOnlyIfAbsent: true },
    hooks,
  );
  describeMergeConformance('SqliteBackend', factory, hooks);
});
