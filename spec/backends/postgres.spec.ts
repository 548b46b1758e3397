/**
 * PostgresBackend against a real PostgreSQL: what the conformance suites cannot see from outside, read back from the
 * table itself: hashed ids, the table and its DDL, expiry and pruning, and fast failures of a pool that cannot
 * connect or a statement that waits on a lock.
 */
import { expect } from 'chai';
import { Pool } from 'pg';
import request from 'supertest';
import { type BackendContext, PostgresBackend, SessionError, postgresSessionSchema } from '../../src';
import { digest } from '../../src/internal/digest';
import { cookieHeader } from '../support/cookies';
import { describeWithPostgres, postgresConfig, postgresPool, uniqueTableName } from '../support/postgres';
import { sessionApp } from '../support/session-controller';
import { freePort } from '../support/ports';

const NOW = Math.floor(Date.now() / 1000);

function ctx(extra: Partial<BackendContext> = {}): BackendContext {
  return { now: NOW, lifetime: 3600, ttl: 3600, ...extra };
}

describe('PostgresBackend options', () => {
  const pool = { query: async () => ({ rows: [], rowCount: 0 }) };

  for (const [options, message] of [
    [{}, '`pool`'],
    [{ pool: {} }, '`pool`'],
    [{ pool, table: 'sessions; DROP TABLE x' }, '`table`'],
    [{ pool, table: 'a.b.c' }, '`table`'],
    [{ pool, createTable: 'yes' }, '`createTable`'],
    [{ pool, pruneInterval: -1 }, '`pruneInterval`'],
    [{ pool, pruneInterval: 1.5 }, '`pruneInterval`'],
  ] as const) {
    it(`refuses ${JSON.stringify(options, (key, value) => (key === 'pool' ? typeof value : value))}`, () => {
      expect(() => new PostgresBackend(options as never))
        .to.throw(SessionError, `Invalid PostgresBackend option ${message}`)
        .with.property('code', 'INVALID_OPTION');
    });
  }

  it('refuses a table name in the DDL it exports, too', () => {
    expect(() => postgresSessionSchema('x"; DROP TABLE y; --')).to.throw('not a table name');
  });
});

describeWithPostgres('PostgresBackend', () => {
  let pool: Pool;
  let table: string;
  const backends: PostgresBackend[] = [];
  const backendOn = (options: Partial<ConstructorParameters<typeof PostgresBackend>[0]> = {}) => {
    const backend = new PostgresBackend({ pool, table, pruneInterval: 0, ...options });
    backends.push(backend);
    return backend;
  };

  before(() => {
    pool = postgresPool();
  });

  beforeEach(() => {
    table = uniqueTableName('postgres');
  });

  afterEach(async () => {
    for (const backend of backends.splice(0)) backend.close();
    await pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_locks`);
  });

  after(() => pool.end());

  const rows = async () =>
    (await pool.query(`SELECT id, data, expires FROM ${table} ORDER BY id`)).rows as Array<{
      id: string;
      data: Record<string, unknown>;
      expires: string;
    }>;

  it('creates its table and index on first use, and stores the hash of the id, never the id', async () => {
    const backend = backendOn();
    const id = await backend.write({ user: 'ada' }, undefined, ctx({ isNew: true }));
    const [row] = await rows();
    expect(row.id).to.equal(digest(id));
    expect(JSON.stringify(await rows())).to.not.include(id);
    expect(row.data).to.deep.equal({ user: 'ada' });
    expect(Number(row.expires)).to.equal(NOW + 3600);
    const indexes = await pool.query('SELECT indexname FROM pg_indexes WHERE tablename = $1', [table]);
    expect(indexes.rows.map(index => index.indexname)).to.include(`${table}_expires`);
  });

  it('uses a table made from the exported DDL, schema-qualified, with createTable: false', async () => {
    const schema = uniqueTableName('schema');
    await pool.query(`CREATE SCHEMA ${schema}`);
    try {
      await pool.query(postgresSessionSchema(`${schema}.sessions`));
      const backend = backendOn({ table: `${schema}.sessions`, createTable: false });
      const id = await backend.write({ n: 1 }, undefined, ctx({ isNew: true }));
      expect(await backend.read(id, ctx())).to.deep.equal({ n: 1 });
    } finally {
      await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    }
  });

  it('adds the locks table to a sessions table of an earlier version, and locks with the exported DDL', async () => {
    // The sessions table as versions before locking made it.
    await pool.query(
      `CREATE TABLE ${table} (id text PRIMARY KEY, data jsonb NOT NULL, user_id text, expires bigint NOT NULL)`,
    );
    const backend = backendOn();
    const token = await backend.acquireLock('an-id', { lease: 5000, wait: 0 });
    expect(token).to.be.a('string');
    const { rows: locks } = await pool.query(`SELECT id, token FROM ${table}_locks`);
    expect(locks).to.deep.equal([{ id: digest('an-id'), token }]);
    await backend.releaseLock('an-id', token!);
    expect((await pool.query(`SELECT 1 FROM ${table}_locks`)).rowCount).to.equal(0);
    expect(postgresSessionSchema(table)).to.include(`CREATE TABLE IF NOT EXISTS "${table}_locks"`);
  });

  it('keeps working without a locks table where nothing locks: reads, writes and pruning', async () => {
    await pool.query(
      `CREATE TABLE ${table} (id text PRIMARY KEY, data jsonb NOT NULL, user_id text, expires bigint NOT NULL)`,
    );
    const backend = backendOn({ createTable: false });
    const id = await backend.write({ n: 1 }, undefined, ctx({ isNew: true }));
    expect(await backend.read(id, ctx())).to.deep.equal({ n: 1 });
    expect(await backend.prune()).to.equal(0);
    expect((await pool.query('SELECT to_regclass($1) AS locks', [`${table}_locks`])).rows[0].locks).to.equal(null);
  });

  it('refuses to lock, saying why, where the locks table’s name would be too long', async () => {
    const long = `${table}_${'x'.repeat(62 - table.length)}`;
    const backend = backendOn({ table: long });
    let error: Error | undefined;
    await backend.acquireLock('an-id', { lease: 1000, wait: 0 }).catch((thrown: Error) => (error = thrown));
    expect(error?.message).to.match(/over 63 characters/);
    await pool.query(`DROP TABLE IF EXISTS ${long}`);
  });

  it('prunes locks whose lease ended with the expired sessions', async () => {
    const backend = backendOn();
    await backend.acquireLock('stale', { lease: 1, wait: 0 });
    const live = await backend.acquireLock('live', { lease: 60_000, wait: 0 });
    await new Promise(resolve => setTimeout(resolve, 20));
    await backend.prune();
    const { rows: locks } = await pool.query(`SELECT id, token FROM ${table}_locks`);
    expect(locks).to.deep.equal([{ id: digest('live'), token: live }]);
  });

  it('runs no DDL when the table exists (a role without CREATE rights works)', async () => {
    await pool.query(postgresSessionSchema(table));
    const statements: string[] = [];
    const watched = {
      query: (text: string, values?: unknown[]) => {
        statements.push(text);
        return pool.query(text, values);
      },
    };
    const backend = backendOn({ pool: watched });
    const id = await backend.write({ n: 1 }, undefined, ctx({ isNew: true }));
    expect(await backend.read(id, ctx())).to.deep.equal({ n: 1 });
    expect(statements.filter(text => /CREATE/i.test(text))).to.deep.equal([]);
  });

  it('with createTable: false, fails on a missing table rather than creating it', async () => {
    const backend = backendOn({ createTable: false });
    await backend.write({ n: 1 }, undefined, ctx({ isNew: true })).then(
      () => expect.fail('wrote without a table'),
      (error: { code?: string }) => expect(error.code).to.equal('42P01'),
    );
  });

  it('creates its table once when many first requests come at once', async () => {
    const backend = backendOn();
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, n) => backend.write({ n }, undefined, ctx({ isNew: true }))),
    );
    expect(new Set(ids).size).to.equal(20);
    expect(await rows()).to.have.length(20);
  });

  it('never reads an expired row, and prune() deletes those rows only', async () => {
    const backend = backendOn();
    const old = await backend.write({ n: 1 }, undefined, ctx({ isNew: true, ttl: 60 }));
    const fresh = await backend.write({ n: 2 }, undefined, ctx({ isNew: true, ttl: 3600 }));
    expect(await backend.read(old, ctx({ now: NOW + 60 }))).to.equal(undefined);
    expect(await backend.exists(old, ctx({ now: NOW + 60 }))).to.equal(false);
    expect(await backend.prune(NOW + 60)).to.equal(1);
    expect((await rows()).map(row => row.id)).to.deep.equal([digest(fresh)]);
  });

  it('prunes in the background at its interval, and stops on close()', async function () {
    this.timeout(10_000);
    const backend = backendOn();
    const id = await backend.write({ n: 1 }, undefined, ctx({ isNew: true, now: NOW - 7200 }));
    expect(await rows()).to.have.length(1);
    const pruning = backendOn({ pruneInterval: 1 });
    await until(async () => (await rows()).length === 0, 3000);
    pruning.close();
    await backend.write({ n: 2 }, id, ctx({ now: NOW - 7200 }));
    await new Promise(resolve => setTimeout(resolve, 1500));
    expect(await rows(), 'no pruning after close()').to.have.length(1);
  });

  it('takes over an expired row for a new session, but never a live one', async () => {
    const backend = backendOn();
    const id = await backend.write({ owner: 'first' }, undefined, ctx({ isNew: true, ttl: 60 }));
    const later = ctx({ isNew: true, now: NOW + 61 });
    expect(await backend.write({ owner: 'second' }, id, later)).to.equal(id);
    expect(await backend.read(id, ctx({ now: NOW + 61 }))).to.deep.equal({ owner: 'second' });
    const taken = await backend.write({ owner: 'third' }, id, ctx({ isNew: true, now: NOW + 61 }));
    expect(taken).to.not.equal(id);
    expect(await backend.read(id, ctx({ now: NOW + 61 }))).to.deep.equal({ owner: 'second' });
  });

  it('merges keys whose names need quoting, and replaces nested values whole', async () => {
    const backend = backendOn();
    const id = await backend.write({ 'a.b': 1, 'x"y': { deep: { keep: true } } }, undefined, ctx({ isNew: true }));
    const changes = { changed: ['x"y', '[0]'], removed: ['a.b'] };
    await backend.write({ 'x"y': { other: 1 }, '[0]': 'z' }, id, ctx({ isNew: false, changes }));
    expect(await backend.read(id, ctx())).to.deep.equal({ 'x"y': { other: 1 }, '[0]': 'z' });
  });

  it('keeps data through the middleware across a restart (a new backend on the same table)', async () => {
    const first = sessionApp({ backend: backendOn() });
    const res = await request(first).post('/s/increment').expect(200);
    const cookie = cookieHeader(res);
    const second = sessionApp({ backend: backendOn() });
    const again = await request(second).post('/s/increment').set('Cookie', cookie).expect(200);
    expect(again.body).to.deep.equal({ count: 2 });
  });

  it('refuses a string holding U+0000, which jsonb cannot store, with 503 and nothing written', async () => {
    await pool.query(postgresSessionSchema(table));
    const errors: Error[] = [];
    const app = sessionApp({ backend: backendOn(), onError: error => errors.push(error) });
    const res = await request(app).post('/s/set?note=secret%00b').expect(503);
    expect(res.body.name).to.equal('SessionBackendError');
    const cause = (errors[0] as { cause?: Error }).cause!;
    expect(cause.message).to.include('U+0000');
    expect(JSON.stringify(cause) + cause.message, 'no data in the error').to.not.include('secret');
    expect(res.headers['set-cookie']).to.equal(undefined);
    expect(await rows()).to.deep.equal([]);
  });

  it('answers 503 quickly when a statement waits on a lock past backendTimeout, and recovers', async function () {
    this.timeout(15_000);
    const backend = backendOn();
    const app = sessionApp({ backend, backendTimeout: 0.5 });
    const cookie = cookieHeader(await request(app).post('/s/increment').expect(200));
    const locker = await pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
      const started = Date.now();
      const res = await request(app).post('/s/increment').set('Cookie', cookie).expect(503);
      expect(res.body.name).to.equal('SessionBackendError');
      expect(Date.now() - started).to.be.below(3000);
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    const after = await request(app).post('/s/increment').set('Cookie', cookie).expect(200);
    expect(after.body).to.deep.equal({ count: 2 });
  });

  it('answers 503 quickly when the pool cannot connect', async function () {
    this.timeout(15_000);
    const port = await freePort();
    const unreachable = new Pool({ ...postgresConfig(), port, connectionTimeoutMillis: 500 });
    unreachable.on('error', () => {});
    try {
      const app = sessionApp({ backend: new PostgresBackend({ pool: unreachable, table, pruneInterval: 0 }) });
      const started = Date.now();
      const res = await request(app).post('/s/increment').expect(503);
      expect(res.body.name).to.equal('SessionBackendError');
      expect(Date.now() - started).to.be.below(3000);
    } finally {
      await unreachable.end();
    }
  });
});

async function until(condition: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}
