/**
 * SqliteBackend on real SQLite files in a temporary folder: options, what the file holds (never a raw id), expiry and
 * pruning, the merge (key names SQLite paths could misread included), other processes on the same file, a lock held
 * elsewhere, the lazily loaded driver, and a counter over HTTP that survives a restart.
 */
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import {
  type BackendContext,
  METADATA_KEY,
  SessionError,
  SqliteBackend,
  type SqliteBackendOptions,
  sqliteSessionSchema,
} from '../../src';
import { thrownBy } from '../support/checks';
import { cookieHeader } from '../support/cookies';
import { sessionApp } from '../support/session-controller';

const ROOT = path.resolve(__dirname, '../..');
const NOW = Math.floor(Date.now() / 1000);
const LIFETIME = 3600;

function ctxAt(now: number, extra: Partial<BackendContext> = {}): BackendContext {
  return { now, lifetime: LIFETIME, ttl: LIFETIME, ...extra };
}

/** The context of the middleware's merge write: `changed` keys set from `data`, `removed` deleted. */
function mergeCtx(changed: string[], removed: string[] = [], now = NOW): BackendContext {
  return ctxAt(now, { isNew: false, changes: { changed, removed } });
}

/** Runs `code` (JavaScript, `require` relative to the repository) in a new Node process; resolves with its stdout. */
function runNode(code: string, args: string[] = []): Promise<string> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', code, '--', ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', code => (code === 0 ? resolve(stdout) : reject(new Error(`exited with ${code}:\n${stderr}`))));
  });
}

describe('SqliteBackend', () => {
  let folder: string;
  let files = 0;
  const opened: SqliteBackend[] = [];

  /** A new file path in the temporary folder. */
  function newFile(): string {
    return path.join(folder, `sessions-${++files}.db`);
  }

  /** A backend on `filename` (a new file by default), closed after the spec. */
  function backendOn(filename = newFile(), options: Partial<SqliteBackendOptions> = {}): SqliteBackend {
    const backend = new SqliteBackend({ filename, ...options } as SqliteBackendOptions);
    opened.push(backend);
    return backend;
  }

  function rowsOf(filename: string, table = 'sessions'): Array<{ id: string; data: string; expires: number }> {
    const db = new Database(filename, { readonly: true });
    try {
      return db.prepare(`SELECT id, data, expires FROM "${table}"`).all() as Array<{
        id: string;
        data: string;
        expires: number;
      }>;
    } finally {
      db.close();
    }
  }

  before(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'rcs-sqlite-'));
  });

  afterEach(async () => {
    for (const backend of opened.splice(0)) await backend.close();
  });

  after(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  describe('options', () => {
    function invalidOption(options: unknown): string {
      const error = thrownBy(() => new SqliteBackend(options as SqliteBackendOptions));
      expect(error, JSON.stringify(options)).to.be.instanceOf(SessionError);
      expect((error as SessionError).code).to.equal('INVALID_OPTION');
      const option = /^Invalid SqliteBackend option `([^`]+)`: /.exec((error as Error).message)?.[1];
      expect(option, (error as Error).message).to.be.a('string');
      return option!;
    }

    it('refuses each invalid option by name', () => {
      const filename = newFile();
      expect(invalidOption(undefined)).to.equal('options');
      expect(invalidOption({})).to.equal('filename');
      expect(invalidOption({ filename: '' })).to.equal('filename');
      expect(invalidOption({ filename: 42 })).to.equal('filename');
      for (const table of ['', '1st', 'a-b', 'a.b', 'x"y', 'a'.repeat(64), 7])
        expect(invalidOption({ filename, table })).to.equal('table');
      expect(invalidOption({ filename, createTable: 'yes' })).to.equal('createTable');
      for (const pruneInterval of [-1, 1.5, Number.NaN, 2_000_000, '60'])
        expect(invalidOption({ filename, pruneInterval })).to.equal('pruneInterval');
      for (const busyTimeout of [-1, 0.5, '1000'])
        expect(invalidOption({ filename, busyTimeout })).to.equal('busyTimeout');
      expect(invalidOption({ database: {} })).to.equal('database');
      expect(existsSync(filename), 'no file is created for refused options').to.equal(false);
    });

    it('refuses a database that is closed, read-only, or given with a filename or busyTimeout', () => {
      const filename = newFile();
      const db = new Database(filename);
      try {
        expect(invalidOption({ database: db, filename })).to.equal('filename');
        expect(invalidOption({ database: db, busyTimeout: 10 })).to.equal('busyTimeout');
        const readonly = new Database(filename, { readonly: true });
        expect(invalidOption({ database: readonly })).to.equal('database');
        readonly.close();
      } finally {
        db.close();
      }
      expect(invalidOption({ database: db })).to.equal('database');
    });

    it('accepts a table name of 63 characters and uses it', async () => {
      const filename = newFile();
      const table = `t_${'x'.repeat(61)}`;
      const backend = backendOn(filename, { table, pruneInterval: 0 });
      await backend.write({ n: 1 }, undefined, ctxAt(NOW));
      expect(rowsOf(filename, table)).to.have.length(1);
    });

    it('with createTable: false, works on a table made from sqliteSessionSchema(), and fails without one', async () => {
      const filename = newFile();
      expect(() => backendOn(filename, { createTable: false })).to.throw(/no such table/);
      const db = new Database(filename);
      db.exec(sqliteSessionSchema('app_sessions'));
      db.exec(sqliteSessionSchema('app_sessions')); // a migration run twice
      const indexes = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?`).pluck();
      expect(indexes.all('app_sessions')).to.include('app_sessions_expires');
      db.close();
      const backend = backendOn(filename, { table: 'app_sessions', createTable: false });
      const id = await backend.write({ n: 1 }, undefined, ctxAt(NOW));
      expect(await backend.read(id, ctxAt(NOW))).to.deep.equal({ n: 1 });
      expect(() => sqliteSessionSchema('bad name')).to.throw(/not a table name/);
    });

    it('opens its file in WAL mode', () => {
      const filename = newFile();
      backendOn(filename);
      const db = new Database(filename, { readonly: true });
      expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
      db.close();
    });
  });

  describe('the file', () => {
    it('holds the SHA-256 of each id (base64url, as every store), never the id', async () => {
      const filename = newFile();
      const backend = backendOn(filename);
      const id = await backend.write({ user: 'ada' }, undefined, ctxAt(NOW, { isNew: true }));
      const rows = rowsOf(filename);
      expect(rows.map(row => row.id)).to.deep.equal([createHash('sha256').update(id).digest('base64url')]);
      expect(JSON.parse(rows[0].data)).to.deep.equal({ user: 'ada' });
      expect(rows[0].expires).to.equal(NOW + LIFETIME);
      for (const file of [filename, `${filename}-wal`]) {
        if (existsSync(file))
          expect(readFileSync(file).includes(id), `${path.basename(file)} holds the id`).to.equal(false);
      }
    });

    it('treats a row that holds no JSON object as no session, and merges nothing into it', async () => {
      const filename = newFile();
      const backend = backendOn(filename);
      const db = new Database(filename);
      const insert = db.prepare('INSERT INTO sessions (id, data, expires) VALUES (?, ?, ?)');
      const ids = ['not-json', 'an-array', 'a-blob'];
      insert.run(createHash('sha256').update(ids[0]).digest('base64url'), '{oops', NOW + 60);
      insert.run(createHash('sha256').update(ids[1]).digest('base64url'), '[1,2]', NOW + 60);
      insert.run(createHash('sha256').update(ids[2]).digest('base64url'), Buffer.from('{}'), NOW + 60);
      for (const id of ids) {
        expect(await backend.read(id, ctxAt(NOW)), id).to.equal(undefined);
        expect(await backend.exists(id, ctxAt(NOW)), id).to.equal(false);
        await backend.write({ x: 1 }, id, mergeCtx(['x']));
      }
      expect(rowsOf(filename).map(row => String(row.data))).to.deep.equal(['{oops', '[1,2]', '{}']);
      db.close();
    });
  });

  describe('expiry', () => {
    it('never returns an expired row, and prune() deletes only expired rows', async () => {
      const filename = newFile();
      const backend = backendOn(filename, { pruneInterval: 0 });
      const short = await backend.write({ n: 1 }, undefined, ctxAt(NOW, { ttl: 60 }));
      const long = await backend.write({ n: 2 }, undefined, ctxAt(NOW, { ttl: 600 }));
      expect(await backend.read(short, ctxAt(NOW + 59))).to.deep.equal({ n: 1 });
      expect(await backend.read(short, ctxAt(NOW + 60))).to.equal(undefined);
      expect(await backend.exists(short, ctxAt(NOW + 60))).to.equal(false);
      expect(rowsOf(filename), 'expired rows stay until pruned').to.have.length(2);
      expect(await backend.prune(NOW + 60)).to.equal(1);
      expect(rowsOf(filename).map(row => row.expires)).to.deep.equal([NOW + 600]);
      expect(await backend.read(long, ctxAt(NOW + 60))).to.deep.equal({ n: 2 });
    });

    it('prunes a backlog larger than one batch', async () => {
      const filename = newFile();
      const backend = backendOn(filename, { pruneInterval: 0 });
      for (let i = 0; i < 1200; i++) await backend.write({ i }, undefined, ctxAt(NOW - 100, { ttl: 10 }));
      expect(await backend.prune()).to.equal(1200);
      expect(rowsOf(filename)).to.have.length(0);
    });

    it('prunes in the background every pruneInterval seconds, until closed', async function () {
      this.timeout(10_000);
      const filename = newFile();
      const backend = backendOn(filename, { pruneInterval: 1 });
      await backend.write({ gone: true }, undefined, ctxAt(NOW - 100, { ttl: 10 }));
      await backend.write({ kept: true }, undefined, ctxAt(NOW));
      const deadline = Date.now() + 3000;
      while (rowsOf(filename).length > 1 && Date.now() < deadline) await new Promise(r => setTimeout(r, 100));
      expect(rowsOf(filename).map(row => JSON.parse(row.data))).to.deep.equal([{ kept: true }]);
      await backend.close();
      expect((backend as unknown as { pruner: unknown }).pruner, 'the timer after close()').to.equal(undefined);
    });

    it('an expired row may be taken over by a new session, a live one never', async () => {
      const backend = backendOn();
      const id = await backend.write({ owner: 'a' }, undefined, ctxAt(NOW, { ttl: 60 }));
      const later = ctxAt(NOW + 60, { isNew: true });
      expect(await backend.write({ owner: 'b' }, id, later)).to.equal(id);
      expect(await backend.read(id, ctxAt(NOW + 60))).to.deep.equal({ owner: 'b' });
      expect(await backend.write({ owner: 'c' }, id, later)).to.not.equal(id);
      expect(await backend.read(id, ctxAt(NOW + 60))).to.deep.equal({ owner: 'b' });
    });

    it('removes the record for a write or touch whose ttl is under 1, and touches only a live row', async () => {
      const backend = backendOn();
      const id = await backend.write({ n: 1 }, undefined, ctxAt(NOW));
      await backend.write({ n: 2 }, id, ctxAt(NOW, { ttl: 0, isNew: false }));
      expect(await backend.exists(id, ctxAt(NOW))).to.equal(false);

      const other = await backend.write({ n: 1, [METADATA_KEY]: { created: NOW } }, undefined, ctxAt(NOW, { ttl: 60 }));
      const metadata = { created: NOW, accessed: NOW + 50, expires: NOW + 150 };
      await backend.touch(other, metadata, ctxAt(NOW + 50, { ttl: 100 }));
      expect(await backend.read(other, ctxAt(NOW + 149))).to.deep.equal({ n: 1, [METADATA_KEY]: metadata });
      await backend.touch(other, metadata, ctxAt(NOW + 150, { ttl: 100 }));
      expect(await backend.read(other, ctxAt(NOW + 150)), 'touch does not revive an expired row').to.equal(undefined);
      await backend.touch(id, metadata, ctxAt(NOW, { ttl: 100 }));
      expect(await backend.exists(id, ctxAt(NOW)), 'touch does not create').to.equal(false);
      const third = await backend.write({ n: 3 }, undefined, ctxAt(NOW));
      await backend.touch(third, metadata, ctxAt(NOW, { ttl: 0 }));
      expect(await backend.exists(third, ctxAt(NOW))).to.equal(false);
    });

    it('a direct write lives as long as its metadata says, else 14 days', async () => {
      const filename = newFile();
      const backend = backendOn(filename);
      const now = Math.floor(Date.now() / 1000);
      await backend.write({ [METADATA_KEY]: { created: now, accessed: now, expires: now + 120 } });
      await backend.write({ plain: true });
      const expiries = rowsOf(filename).map(row => row.expires - now);
      expect(expiries[0]).to.be.within(119, 120);
      expect(expiries[1]).to.be.within(14 * 86400 - 1, 14 * 86400);
    });
  });

  describe('the merge', () => {
    it('keeps all of 100 writes of different keys made from the same stale read', async () => {
      const backend = backendOn();
      const id = await backend.write({ seed: 'yes' }, undefined, ctxAt(NOW, { isNew: true }));
      const expected: Record<string, unknown> = { seed: 'yes' };
      const writes = [];
      for (let i = 0; i < 100; i++) {
        expected[`key${i}`] = i;
        writes.push(backend.write({ seed: 'yes', [`key${i}`]: i }, id, mergeCtx([`key${i}`])));
      }
      await Promise.all(writes);
      expect(await backend.read(id, ctxAt(NOW))).to.deep.equal(expected);
    });

    it('keeps all keys set by four processes merging into one session at once', async function () {
      this.timeout(30_000);
      const filename = newFile();
      const backend = backendOn(filename);
      const id = await backend.write({ seed: 'yes' }, undefined, ctxAt(NOW, { isNew: true }));
      const worker = `
        const { SqliteBackend } = require('./src/backends/sqlite/sqlite-backend');
        const [filename, id, first, now] = process.argv.slice(-4);
        const backend = new SqliteBackend({ filename, pruneInterval: 0, busyTimeout: 5000 });
        (async () => {
          for (let i = Number(first); i < Number(first) + 25; i++) {
            const changes = { changed: ['key' + i], removed: [] };
            await backend.write({ ['key' + i]: i }, id, { now: Number(now), lifetime: 3600, ttl: 3600, isNew: false, changes });
          }
          await backend.close();
        })();`;
      await Promise.all([0, 25, 50, 75].map(first => runNode(worker, [filename, id, String(first), String(NOW)])));
      const record = (await backend.read(id, ctxAt(NOW))) as Record<string, unknown>;
      expect(Object.keys(record)).to.have.length(101);
      for (let i = 0; i < 100; i++) expect(record[`key${i}`], `key${i}`).to.equal(i);
    });

    it('writes nothing when the session was destroyed after the slower request read it', async () => {
      const filename = newFile();
      const backend = backendOn(filename);
      const id = await backend.write({ user: 'ada' }, undefined, ctxAt(NOW, { isNew: true }));
      const seen = await backend.read(id, ctxAt(NOW)); // the slow request has read the session
      await backend.remove(id); // a logout lands meanwhile
      await backend.write({ ...seen, late: 'change' }, id, mergeCtx(['late']));
      await backend.write({ ...seen, late: 'change' }, id, ctxAt(NOW, { isNew: false })); // a whole-record update
      expect(await backend.exists(id, ctxAt(NOW))).to.equal(false);
      expect(rowsOf(filename)).to.have.length(0);
    });

    it('sets, replaces and removes keys that hold dots, quotes, brackets and other path syntax', async () => {
      const backend = backendOn();
      const keys = [
        'a.b',
        'x"y',
        '[0]',
        '$',
        '$.a',
        'a[1].b',
        '*',
        "it's",
        'back\\slash',
        'new\nline',
        '',
        ' ',
        '😀',
        '"',
      ];
      const id = await backend.write({ 'a.b': 'seed', a: { b: 'nested, untouched' } }, undefined, ctxAt(NOW));
      const data: Record<string, unknown> = {};
      keys.forEach((key, i) => (data[key] = { i, key }));
      await backend.write(data, id, mergeCtx(keys));
      const expected: Record<string, unknown> = { ...data, a: { b: 'nested, untouched' } };
      expect(await backend.read(id, ctxAt(NOW))).to.deep.equal(expected);

      const removed = keys.filter((_, i) => i % 2 === 0);
      const replaced = keys.filter((_, i) => i % 2 === 1);
      for (const key of replaced) data[key] = `replaced ${key}`;
      await backend.write(data, id, mergeCtx(replaced, removed));
      for (const key of removed) delete expected[key];
      for (const key of replaced) expected[key] = `replaced ${key}`;
      expect(await backend.read(id, ctxAt(NOW))).to.deep.equal(expected);
    });

    it('replaces a changed key whole, nested objects included, and deletes a key whose value has no JSON form', async () => {
      const backend = backendOn();
      const id = await backend.write({ cart: { items: ['a', 'b'], coupon: 'x' }, keep: 1 }, undefined, ctxAt(NOW));
      await backend.write({ cart: { items: ['c'] }, gone: undefined, keep: 1 }, id, mergeCtx(['cart', 'gone']));
      expect(await backend.read(id, ctxAt(NOW))).to.deep.equal({ cart: { items: ['c'] }, keep: 1 });
      await backend.write({ keep: undefined }, id, mergeCtx(['keep']));
      expect(await backend.read(id, ctxAt(NOW))).to.deep.equal({ cart: { items: ['c'] } });
    });

    it('merges hundreds of keys in one write', async () => {
      const backend = backendOn();
      const id = await backend.write({ old0: 0, old1: 1 }, undefined, ctxAt(NOW));
      const data: Record<string, unknown> = {};
      for (let i = 0; i < 300; i++) data[`k${i}`] = i;
      await backend.write(data, id, mergeCtx(Object.keys(data), ['old0', 'old1']));
      expect(await backend.read(id, ctxAt(NOW))).to.deep.equal(data);
    });

    it('keeps the merged record prototype-safe', async () => {
      const backend = backendOn();
      const id = await backend.write({ n: 1 }, undefined, ctxAt(NOW));
      const hostile = JSON.parse('{"__proto__": {"polluted": true}, "n": 2}') as Record<string, unknown>;
      await backend.write(hostile, id, mergeCtx(['__proto__', 'n']));
      const record = (await backend.read(id, ctxAt(NOW))) as Record<string, unknown>;
      expect(Object.hasOwn(record, '__proto__')).to.equal(false);
      expect(record.n).to.equal(2);
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    });
  });

  describe('other processes and connections', () => {
    it('a second process sees the sessions of the first, and the first sees its writes', async () => {
      const filename = newFile();
      const backend = backendOn(filename);
      const id = await backend.write({ user: 'ada' }, undefined, ctxAt(NOW, { isNew: true }));
      const output = await runNode(
        `const { SqliteBackend } = require('./src/backends/sqlite/sqlite-backend');
        const [filename, id, now] = process.argv.slice(-3);
        const backend = new SqliteBackend({ filename });
        (async () => {
          const ctx = { now: Number(now), lifetime: 3600, ttl: 3600 };
          const seen = await backend.read(id, ctx);
          await backend.write({ ...seen, from: 'child' }, id, { ...ctx, isNew: false, changes: { changed: ['from'], removed: [] } });
          console.log(JSON.stringify(seen));
          await backend.close();
        })();`,
        [filename, id, String(NOW)],
      );
      expect(JSON.parse(output)).to.deep.equal({ user: 'ada' });
      expect(await backend.read(id, ctxAt(NOW))).to.deep.equal({ user: 'ada', from: 'child' });
    });

    it('fails a write within busyTimeout while another process holds the write lock, and still reads', async function () {
      this.timeout(20_000);
      const filename = newFile();
      const backend = backendOn(filename, { busyTimeout: 200 });
      const id = await backend.write({ n: 1 }, undefined, ctxAt(NOW));
      const locker = spawn(
        process.execPath,
        [
          '-e',
          `const Database = require('better-sqlite3');
          const db = new Database(process.argv[1]);
          db.exec('BEGIN IMMEDIATE');
          console.log('locked');
          setTimeout(() => { db.exec('ROLLBACK'); db.close(); }, 2500);`,
          filename,
        ],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise(resolve => locker.once('exit', resolve));
      try {
        await new Promise<void>(resolve => locker.stdout.once('data', () => resolve()));
        const started = Date.now();
        const error = await backend.write({ n: 2 }, id, ctxAt(NOW)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, 'the write while locked').to.have.property('code', 'SQLITE_BUSY');
        expect(Date.now() - started).to.be.below(1500);
        expect(await backend.read(id, ctxAt(NOW)), 'a read during the lock (WAL)').to.deep.equal({ n: 1 });
      } finally {
        await exited;
      }
      await backend.write({ n: 3 }, id, ctxAt(NOW));
      expect(await backend.read(id, ctxAt(NOW))).to.deep.equal({ n: 3 });
    });

    it('leaves a database the app gave open on close(), and closes a file it opened itself', async () => {
      const filename = newFile();
      const db = new Database(filename);
      try {
        const shared = new SqliteBackend({ database: db, pruneInterval: 1 });
        const id = await shared.write({ n: 1 }, undefined, ctxAt(NOW));
        await shared.close();
        expect(db.open).to.equal(true);
        expect(db.prepare('SELECT count(*) FROM sessions').pluck().get()).to.equal(1);
        const own = new SqliteBackend({ filename });
        expect(await own.read(id, ctxAt(NOW))).to.deep.equal({ n: 1 });
        await own.close();
        await own.close(); // twice is fine
        // A driver error is a rejected promise (the middleware answers 503), never a throw from the call.
        const pending = own.read(id, ctxAt(NOW));
        expect(pending).to.be.instanceOf(Promise);
        const error = await pending.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error)
          .to.be.instanceOf(TypeError)
          .with.property('message')
          .that.matches(/not open/);
      } finally {
        db.close();
      }
    });
  });

  describe('the driver', () => {
    it('is not loaded by importing the library or the backend, only by a backend on a filename', async () => {
      const output = await runNode(
        `require('reflect-metadata');
        const loaded = () => Object.keys(require.cache).some(file => file.includes('better-sqlite3'));
        const seen = [];
        require('./src');
        seen.push(loaded());
        const { SqliteBackend } = require('./src/backends/sqlite/sqlite-backend');
        seen.push(loaded());
        const backend = new SqliteBackend({ filename: ':memory:', pruneInterval: 0 });
        seen.push(loaded());
        backend.close();
        console.log(JSON.stringify(seen));`,
      );
      expect(JSON.parse(output)).to.deep.equal([false, false, true]);
    });
  });

  describe('through the middleware over HTTP', () => {
    it('keeps a counter across a restart: two backends, one after the other, on the same file', async () => {
      const filename = newFile();
      const first = backendOn(filename);
      const app = sessionApp({ backend: first });
      const one = await request(app).post('/s/increment').expect(200);
      const cookie = cookieHeader(one);
      expect((await request(app).post('/s/increment').set('Cookie', cookie).expect(200)).body).to.deep.equal({
        count: 2,
      });
      await first.close();

      const restarted = sessionApp({ backend: backendOn(filename) });
      const after = await request(restarted).post('/s/increment').set('Cookie', cookie).expect(200);
      expect(after.body).to.deep.equal({ count: 3 });
      const read = await request(restarted).get('/s/read').set('Cookie', cookie).expect(200);
      expect(read.body.data).to.deep.equal({ count: 3 });
    });

    it('answers 503 when the store fails', async () => {
      const backend = backendOn();
      const app = sessionApp({ backend });
      const one = await request(app).post('/s/increment').expect(200);
      await backend.close();
      await request(app).post('/s/increment').set('Cookie', cookieHeader(one)).expect(503);
    });
  });
});
