import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createDemoApp } from '../../demo/app';
import { SECRET } from '../support/app';
import { sessionCookie } from '../support/cookies';
import { PostgresBackend, RedisBackend, SqliteBackend } from '../../src';
import { describeWithPostgres, postgresPool, uniqueTableName } from '../support/postgres';
import { closeClient, deleteKeys, describeWithRedis, keysOf, nodeRedisClient, uniquePrefix } from '../support/redis';
import { freePort } from '../support/ports';

/** A browser's view of the demo: requests that carry the session cookie from one response to the next. */
function visitor(app: Parameters<typeof request>[0]) {
  const browser = {
    cookie: '',
    async send(method: 'get' | 'post' | 'delete', path: string, body?: object) {
      const res = await request(app)[method](path).set('Cookie', browser.cookie).send(body);
      const sent = sessionCookie(res);
      if (sent) browser.cookie = sent.value ? `session=${sent.value}` : '';
      return res;
    },
    /** The body of a 200 answer. */
    async ok(method: 'get' | 'post' | 'delete', path: string, body?: object) {
      const res = await browser.send(method, path, body);
      expect(res.status, `${method} ${path}`).to.equal(200);
      return res.body;
    },
  };
  return browser;
}

describe('the demo', () => {
  it('serves its page', async () => {
    const res = await request(createDemoApp(SECRET)).get('/').expect(200);
    expect(res.headers['content-type']).to.match(/^text\/html/);
    expect(res.text).to.include('Sessions demo');
  });

  it('logs in, fills a cart, and logs out, all in the cookie', async () => {
    const app = createDemoApp(SECRET);
    const browser = visitor(app);
    const send = browser.send;

    const first = (await send('get', '/api/me')).body;
    expect(first).to.include({ user: null, visits: 1, store: 'a signed cookie' });
    expect(first.session.expiresAt - first.session.createdAt).to.equal(14 * 24 * 3600);
    expect(first.session.remainingSeconds).to.be.within(14 * 24 * 3600 - 5, 14 * 24 * 3600);
    const anonymous = browser.cookie;
    expect((await send('post', '/api/login', { name: 'Ada' })).body).to.deep.equal({ user: 'Ada' });
    expect(browser.cookie).to.not.equal(anonymous);
    expect((await send('post', '/api/cart', { item: 'tea' })).body).to.deep.equal({ items: ['tea'] });
    expect((await send('post', '/api/cart', { item: '' })).status).to.equal(400);
    expect((await send('get', '/api/cart')).body).to.deep.equal({ items: ['tea'] });
    expect((await send('get', '/api/me')).body).to.include({ user: 'Ada', visits: 2 });
    expect((await send('post', '/api/logout')).body).to.deep.equal({ goodbye: 'Ada' });
    expect(browser.cookie).to.equal('');
    expect((await send('post', '/api/logout')).status).to.equal(400);
  });

  it('answers a full cart with a clear 400 and keeps the cart', async () => {
    const app = createDemoApp(SECRET);
    let cookie = '';
    for (let i = 0; i < 20; i++) {
      const res = await request(app)
        .post('/api/cart')
        .set('Cookie', cookie)
        .send({ item: `item ${i}` })
        .expect(200);
      cookie = `session=${sessionCookie(res)!.value}`;
    }
    const res = await request(app).post('/api/cart').set('Cookie', cookie).send({ item: 'one too many' }).expect(400);
    expect(res.body.message).to.equal('The cart is full: it holds at most 20 items');
    expect(res.headers['set-cookie']).to.equal(undefined);
    expect((await request(app).get('/api/cart').set('Cookie', cookie).expect(200)).body.items).to.have.length(20);
  });

  describeWithRedis('on Redis (what `REDIS_URL=... npm start` serves)', () => {
    it('keeps the session in Redis, with only an id in the cookie', async () => {
      const client = await nodeRedisClient();
      const prefix = uniquePrefix('demo');
      try {
        const app = createDemoApp(SECRET, { backend: new RedisBackend({ client, prefix }), label: 'Redis' });
        const browser = visitor(app);
        const send = browser.ok;
        expect(await send('post', '/api/login', { name: 'Ada' })).to.deep.equal({ user: 'Ada' });
        expect(await send('post', '/api/cart', { item: 'tea' })).to.deep.equal({ items: ['tea'] });
        expect(await send('get', '/api/me')).to.include({ user: 'Ada', visits: 1, store: 'Redis' });
        expect(browser.cookie).to.not.include('Ada');
        expect(await keysOf(prefix, client)).to.have.length(1);
        expect(await send('post', '/api/logout')).to.deep.equal({ goodbye: 'Ada' });
        expect(await keysOf(prefix, client)).to.deep.equal([]);
      } finally {
        await deleteKeys(prefix, client);
        await closeClient(client);
      }
    });
  });
});

describeWithPostgres('the demo on PostgreSQL (what `DATABASE_URL=... npm start` serves)', () => {
  it('keeps the session in its table, with only an id in the cookie', async () => {
    const pool = postgresPool();
    const table = uniqueTableName('demo');
    const backend = new PostgresBackend({ pool, table, pruneInterval: 0 });
    try {
      const app = createDemoApp(SECRET, { backend, label: 'PostgreSQL' });
      const browser = visitor(app);
      const send = browser.ok;
      expect(await send('post', '/api/login', { name: 'Ada' })).to.deep.equal({ user: 'Ada' });
      expect(await send('get', '/api/me')).to.include({ user: 'Ada', visits: 1, store: 'PostgreSQL' });
      expect(browser.cookie).to.not.include('Ada');
      expect((await pool.query(`SELECT data FROM ${table}`)).rows[0].data).to.include({ user: 'Ada' });
      await send('post', '/api/logout');
      expect((await pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).to.equal(0);
    } finally {
      backend.close();
      await pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_locks`);
      await pool.end();
    }
  });
});

describe('the demo on SQLite (what `SQLITE_FILE=... npm start` serves)', () => {
  it('keeps the session in the file, and finds it again after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rcs-demo-sqlite-'));
    const filename = join(dir, 'sessions.db');
    try {
      const first = new SqliteBackend({ filename, pruneInterval: 0 });
      const app = createDemoApp(SECRET, { backend: first, label: 'SQLite' });
      const login = await request(app).post('/api/login').send({ name: 'Ada' }).expect(200);
      const cookie = `session=${sessionCookie(login)!.value}`;
      expect(cookie).to.not.include('Ada');
      await first.close();
      const second = new SqliteBackend({ filename, pruneInterval: 0 });
      const restarted = createDemoApp(SECRET, { backend: second, label: 'SQLite' });
      const me = await request(restarted).get('/api/me').set('Cookie', cookie).expect(200);
      expect(me.body).to.include({ user: 'Ada', store: 'SQLite' });
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the demo at start-up (npm start)', function () {
  this.timeout(30_000);

  for (const [store, variable, url] of [
    ['Redis', 'REDIS_URL', (port: number) => `redis://:secret-password@127.0.0.1:${port}`],
    ['PostgreSQL', 'DATABASE_URL', (port: number) => `postgres://demo:secret-password@127.0.0.1:${port}/test`],
  ] as const) {
    it(`fails within seconds, in one clear line, when its ${store} cannot be reached`, async () => {
      const port = await freePort();
      const started = Date.now();
      const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'demo/main.ts'], {
        cwd: join(__dirname, '..', '..'),
        env: { ...process.env, REDIS_URL: '', DATABASE_URL: '', [variable]: url(port), PORT: '0' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(result.status, result.stderr).to.equal(1);
      expect(Date.now() - started).to.be.below(15_000);
      expect(result.stderr).to.not.include('secret-password');
      const lines = result.stderr.trim().split('\n');
      expect(lines).to.deep.equal([
        `The demo cannot start: ${store} at ${url(port).replace('secret-password', '***')} cannot be reached (connect ECONNREFUSED 127.0.0.1:${port})`,
      ]);
    });
  }
});
