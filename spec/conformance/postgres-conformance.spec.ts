/**
 * The backend conformance suite, the merge (concurrency), user-sessions and lock suites for PostgresBackend on a
 * real PostgreSQL, in the clear and with encryptAtRest.
 */
import type { Pool } from 'pg';
import { PostgresBackend, type PostgresBackendOptions, type SessionBackend } from '../../src';
import { SECRET } from '../support/app';
import { describeWithPostgres, postgresPool, uniqueTableName } from '../support/postgres';
import { describeBackendConformance } from './backend-conformance';
import { describeLockConformance } from './lock-conformance';
import { describeMergeConformance } from './merge-conformance';
import { describeUserSessionsConformance } from './user-sessions-conformance';

describeWithPostgres('PostgresBackend on a real PostgreSQL', () => {
  let pool: Pool;
  const tables: string[] = [];
  const backends: PostgresBackend[] = [];

  before(() => {
    pool = postgresPool();
  });

  after(async () => {
    for (const backend of backends) backend.close();
    for (const table of tables) await pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_locks`);
    await pool.end();
  });

  // A table of its own for every backend, so each starts empty.
  const make = (options: Partial<PostgresBackendOptions> = {}): SessionBackend => {
    const table = uniqueTableName('conformance');
    tables.push(table);
    const backend = new PostgresBackend({ pool, table, ...options });
    backends.push(backend);
    return backend;
  };
  for (const [variant, sealing] of [
    ['', {}],
    [' (encryptAtRest)', { encryptAtRest: { secretKey: SECRET } }],
  ] as const) {
    const name = `PostgresBackend${variant}`;
    describeBackendConformance(name, () => make(sealing), {
      revocable: true,
      honoursTtl: true,
      locks: true,
      createsOnlyIfAbsent: true,
    });
    describeMergeConformance(name, () => make(sealing));
    describeUserSessionsConformance(name, options => make({ ...sealing, ...options }));
  }
  describeLockConformance('PostgresBackend', () => make());
});
