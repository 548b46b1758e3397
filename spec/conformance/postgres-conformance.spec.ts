/** The backend conformance suite and the merge (concurrency) suite for PostgresBackend on a real PostgreSQL. */
import type { Pool } from 'pg';
import { PostgresBackend, type SessionBackend } from '../../src';
import { describeWithPostgres, postgresPool, uniqueTableName } from '../support/postgres';
import { describeBackendConformance } from './backend-conformance';
import { describeMergeConformance } from './merge-conformance';

describeWithPostgres('PostgresBackend on a real PostgreSQL', () => {
  let pool: Pool;
  const table = uniqueTableName('conformance');
  const backends: PostgresBackend[] = [];

  before(() => {
    pool = postgresPool();
  });

  after(async () => {
    for (const backend of backends) backend.close();
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  });

  const factory = (): SessionBackend => {
    const backend = new PostgresBackend({ pool, table });
    backends.push(backend);
    return backend;
  };
  describeBackendConformance('PostgresBackend', factory, {
    revocable: true,
    honoursTtl: true,
    createsOnlyIfAbsent: true,
  });
  describeMergeConformance('PostgresBackend', factory);
});
