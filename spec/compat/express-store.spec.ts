/**
 * ExpressSessionStoreBackend over real express-session stores, through the real middleware on real HTTP: express-
 * session's MemoryStore, memorystore, connect-redis on Redis and connect-pg-simple on PostgreSQL. Each record is read
 * back with the store's own means (its get, the Redis key, the SQL row) to see what the store made of it. Inline
 * stores that fail, hang or answer twice stand in for broken stores; they are not mocks of a real service.
 */
import { expect } from 'chai';
import session, { type SessionData } from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import { RedisStore } from 'connect-redis';
import createMemoryStore from 'memorystore';
import type { Pool } from 'pg';
import request from 'supertest';
import { type ExpressSessionStore, ExpressSessionStoreBackend, SessionError } from '../../src';
import { describeBackendConformance } from '../conformance/backend-conformance';
import { FakeClock } from '../support/clock';
import { cookieHeader, isCleared, sessionCookie } from '../support/cookies';
import { describeWithPostgres, postgresPool, uniqueTableName } from '../support/postgres';
import { closeClient, deleteKeys, describeWithRedis, nodeRedisClient, uniquePrefix } from '../support/redis';
import type { NodeRedisClient } from '../support/redis';
import { sessionApp } from '../support/session-controller';

/** Seconds; unlike every store's own default (one day), so a TTL of this length can only come from the adapter. */
const LIFETIME = 7200;
const MemoryStore = session.MemoryStore;
/** What the specs use of memorystore's store: its own types need express-session's, not installed here. */
interface Memorystore extends ExpressSessionStore {
  stopInterval(): void;
  /** Its LRU cache; `e` is when an entry expires, in ms since the epoch. */
  store: { dump(): { k: string; e: number }[] };
}
const MemoryStoreOfMemorystore = createMemoryStore(session) as unknown as new (options: object) => Memorystore;
const PgStore = connectPgSimple(session);

/** A record as an express-session store keeps it: the data beside express-session's cookie object. */
interface StoredRecord {
  cookie: { expires: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** A store under test and what it holds, read with its own means. */
interface StoreUnderTest {
  store: ExpressSessionStore;
  /** The record as the store holds it, cookie included. */
  raw(id: string): Promise<StoredRecord | undefined>;
  /** Seconds until the store itself drops the record, from its own bookkeeping (its TTL, its expiry column). */
  remaining(id: string): Promise<number>;
  close?(): Promise<void>;
}

/** Calls a callback-style store method as a promise. */
function ask(store: ExpressSessionStore, method: 'get' | 'destroy', id: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    store[method](id, (error, value) => (error ? reject(error) : resolve(value)));
  });
}

/** The round trip, the stored record, its TTL, rolling refreshes and destroy, for one store. */
function describeOverHttp(open: () => Promise<StoreUnderTest>): void {
  let subject: StoreUnderTest;
  let clock: FakeClock;

  beforeEach(async () => {
    subject = await open();
    clock = new FakeClock();
  });

  afterEach(async () => {
    await subject?.close?.();
  });

  function app(options: { rolling?: boolean } = {}) {
    const backend = new ExpressSessionStoreBackend(subject.store);
    return sessionApp({ backend, lifetime: LIFETIME, clock: clock.now, ...options });
  }

  async function login(server: ReturnType<typeof app>) {
    const res = await request(server).post('/s/set?n=1').expect(200);
    return { cookie: cookieHeader(res), id: sessionCookie(res)!.value };
  }

  it('reads back on the next request what the last one wrote', async () => {
    const server = app();
    const { cookie } = await login(server);
    const res = await request(server).get('/s/read').set('Cookie', cookie).expect(200);
    expect(res.body.data).to.deep.equal({ n: 1 });
  });

  it('stores the data, the metadata and an express-session cookie that ends with the session', async () => {
    const { id } = await login(app());
    const record = await subject.raw(id);
    expect(record, 'the record in the store').to.not.equal(undefined);
    expect(Object.keys(record!)).to.have.members(['n', '__session', 'cookie']);
    expect(record!.n).to.equal(1);
    const now = clock.seconds;
    expect(record!.__session).to.deep.equal({ created: now, accessed: now, expires: now + LIFETIME });
    const ms = LIFETIME * 1000;
    expect(record!.cookie).to.include({ originalMaxAge: ms, maxAge: ms, httpOnly: true, path: '/' });
    const ahead = (Date.parse(record!.cookie.expires) - Date.now()) / 1000;
    expect(ahead, 'cookie.expires, seconds from now').to.be.within(LIFETIME - 60, LIFETIME + 1);
  });

  it('has the store drop the record after the session lifetime, by its own TTL', async () => {
    const { id } = await login(app());
    expect(await subject.remaining(id)).to.be.within(LIFETIME - 60, LIFETIME + 1);
  });

  it('rewrites the whole record on a rolling refresh, metadata included (there is no touch())', async () => {
    const server = app({ rolling: true });
    const { cookie, id } = await login(server);
    clock.advance(600);
    await request(server).get('/s/read').set('Cookie', cookie).expect(200);
    const record = await subject.raw(id);
    expect(record!.n).to.equal(1);
    expect(record!.__session).to.include({ accessed: clock.seconds, expires: clock.seconds + LIFETIME });
    expect(await subject.remaining(id)).to.be.within(LIFETIME - 60, LIFETIME + 1);
  });

  it('removes the record on destroy, and the old cookie carries no data any more', async () => {
    const server = app();
    const { cookie, id } = await login(server);
    const destroyed = await request(server).post('/s/destroy').set('Cookie', cookie).expect(200);
    expect(isCleared(sessionCookie(destroyed)), 'a cleared session cookie').to.equal(true);
    expect(await subject.raw(id), 'the record in the store').to.equal(undefined);
    const res = await request(server).get('/s/read').set('Cookie', cookie).expect(200);
    expect(res.body).to.deep.equal({ data: {}, id: null });
  });
}

describe('ExpressSessionStoreBackend', () => {
  describe("over express-session's MemoryStore", () => {
    describeOverHttp(async () => {
      const store = new MemoryStore();
      // Its records, as JSON text by id (not part of its typed surface).
      const { sessions } = store as unknown as { sessions: Record<string, string | undefined> };
      const raw = (id: string) => (sessions[id] === undefined ? undefined : JSON.parse(sessions[id]!));
      return {
        store,
        raw: async id => raw(id),
        // It keeps no TTL of its own: a record counts as gone once its cookie.expires has passed.
        remaining: async id => (Date.parse(raw(id).cookie.expires) - Date.now()) / 1000,
      };
    });

    it('accepts a record written by express-session itself (no metadata) as data, without its cookie', async () => {
      const store = new MemoryStore();
      const backend = new ExpressSessionStoreBackend(store);
      const id = backend.generateId();
      const cookie = { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) };
      const legacy = { cookie, userId: 7 } as unknown as SessionData;
      await new Promise(resolve => store.set(id, legacy, resolve));
      const res = await request(sessionApp({ backend })).get('/s/read').set('Cookie', `session=${id}`).expect(200);
      expect(res.body.data).to.deep.equal({ userId: 7 });
    });
  });

  describe('over memorystore', () => {
    describeOverHttp(async () => {
      const store = new MemoryStoreOfMemorystore({});
      return {
        store,
        raw: id => ask(store, 'get', id) as Promise<StoredRecord | undefined>,
        // memorystore's TTL is the cookie's maxAge (ms), kept per entry in its LRU cache; `e` is when it ends.
        remaining: async id => (store.store.dump().find(entry => entry.k === id)!.e - Date.now()) / 1000,
        close: async () => store.stopInterval(),
      };
    });
  });

  describeWithRedis('over connect-redis (node-redis 5)', () => {
    let client: NodeRedisClient;
    let prefix: string;

    before(async () => {
      client = await nodeRedisClient();
      prefix = uniquePrefix('connect-redis');
    });

    after(async () => {
      await deleteKeys(prefix, client);
      await closeClient(client);
    });

    describeOverHttp(async () => ({
      store: new RedisStore({ client, prefix }),
      raw: async id => {
        const text = await client.get(prefix + id);
        return text === null ? undefined : JSON.parse(text);
      },
      remaining: async id => Number(await client.ttl(prefix + id)),
      close: () => deleteKeys(prefix, client),
    }));

    describeBackendConformance(
      'ExpressSessionStoreBackend over connect-redis',
      () => new ExpressSessionStoreBackend(new RedisStore({ client, prefix })),
      // Redis expires the key on its own clock, from cookie.expires, not on ctx.now.
      { revocable: true, honoursTtl: false },
      { dispose: () => deleteKeys(prefix, client) },
    );
  });

  describeWithPostgres('over connect-pg-simple', () => {
    let pool: Pool;
    // A schema of its own: connect-pg-simple names the expiry index IDX_session_expire whatever the table is called.
    const schema = uniqueTableName('connect_pg');
    const table = uniqueTableName('session');
    const qualified = `"${schema}"."${table}"`;

    before(async () => {
      pool = postgresPool();
      await pool.query(`CREATE SCHEMA "${schema}"`);
    });

    after(async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    });

    const openStore = () =>
      new PgStore({
        pool,
        schemaName: schema,
        tableName: table,
        createTableIfMissing: true,
        pruneSessionInterval: false,
      });
    const emptyTable = async () => void (await pool.query(`DELETE FROM ${qualified}`).catch(() => undefined));

    describeOverHttp(async () => {
      const store = openStore();
      const row = async (id: string) => {
        // `expire` is a timestamp without time zone, written in the connection's zone: read it back the same way.
        const sql = `SELECT sess, extract(epoch FROM expire::timestamptz)::float8 AS expire FROM ${qualified} WHERE sid = $1`;
        return (await pool.query(sql, [id])).rows[0] as { sess: StoredRecord; expire: number } | undefined;
      };
      return {
        store,
        raw: async id => (await row(id))?.sess,
        remaining: async id => (await row(id))!.expire - Date.now() / 1000,
        close: emptyTable,
      };
    });

    describeBackendConformance(
      'ExpressSessionStoreBackend over connect-pg-simple',
      () => new ExpressSessionStoreBackend(openStore()),
      // A row is expired by the database's clock (`expire >= now`), from cookie.expires, not by ctx.now.
      { revocable: true, honoursTtl: false },
      { dispose: emptyTable },
    );
  });

  describe('the store argument', () => {
    it('refuses what is not an express-session store, and says what to pass', () => {
      const noDestroy = { get() {}, set() {} };
      const bad = [
        undefined,
        null,
        {},
        'redis://127.0.0.1',
        new Map(),
        noDestroy,
        { ...noDestroy, get: 1, destroy() {} },
      ];
      for (const store of bad) {
        expect(() => new ExpressSessionStoreBackend(store as never), String(store))
          .to.throw(SessionError, /expected an express-session store \(get, set and destroy with callbacks\)/)
          .with.property('code', 'INVALID_OPTION');
      }
    });

    it('takes any object with get, set and destroy', () => {
      expect(() => new ExpressSessionStoreBackend({ get() {}, set() {}, destroy() {} })).to.not.throw();
    });
  });

  describe('the record', () => {
    it("has no touch(): a store's touch() would keep stale metadata, so the middleware rewrites instead", () => {
      expect(new ExpressSessionStoreBackend(new MemoryStore()).touch).to.equal(undefined);
    });

    it('refuses data under "cookie", the key express-session stores keep their cookie in', async () => {
      const backend = new ExpressSessionStoreBackend(new MemoryStore());
      const error = await backend.write({ cookie: 'mine' }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).to.be.instanceOf(SessionError).with.property('code', 'RESERVED_KEY');
    });
  });

  describe('a store that fails', () => {
    it("answers 503 when set calls back with an error: no Set-Cookie, not the handler's answer", async () => {
      const backend = new ExpressSessionStoreBackend(faulty({ set: 'callback' }));
      expectBackendFailure(await request(sessionApp({ backend })).post('/s/set?n=1'));
    });

    it('answers 503 when get throws', async () => {
      const backend = new ExpressSessionStoreBackend(faulty({ get: 'throw' }));
      const res = await request(sessionApp({ backend }))
        .get('/s/read')
        .set('Cookie', `session=${backend.generateId()}`);
      expectBackendFailure(res);
    });

    it('answers 503 when destroy returns a rejected promise', async () => {
      const app = sessionApp({ backend: new ExpressSessionStoreBackend(faulty({ destroy: 'reject' })) });
      const cookie = cookieHeader(await request(app).post('/s/set?n=1').expect(200));
      expectBackendFailure(await request(app).post('/s/destroy').set('Cookie', cookie));
    });

    it('answers 503 when the promise resolves but the callback then reports the failure', async () => {
      const backend = new ExpressSessionStoreBackend(faulty({ set: 'resolve-then-error' }));
      expectBackendFailure(await request(sessionApp({ backend })).post('/s/set?n=1'));
    });
    it('answers 503 when the promise resolves at once and the callback reports the failure after real I/O', async () => {
      const inner = new MemoryStore();
      const store: ExpressSessionStore = {
        get: (id, callback) => inner.get(id, callback),
        destroy: (id, callback) => inner.destroy(id, callback),
        // Like a store over an ORM: it answers with a promise at once and calls back when the query is done.
        set(_id, _session, callback) {
          setTimeout(() => callback(new Error('store down (set)')), 20);
          return Promise.resolve();
        },
      };
      const backend = new ExpressSessionStoreBackend(store);
      expectBackendFailure(await request(sessionApp({ backend })).post('/s/set?n=1'));
    });
  });

  describe('a store that never calls back', () => {
    for (const [method, route] of [
      ['get', 'read'],
      ['set', 'write'],
    ] as const) {
      it(`answers 503 once backendTimeout is over (${method})`, async () => {
        const backend = new ExpressSessionStoreBackend(faulty({ [method]: 'hang' }));
        const app = sessionApp({ backend, backendTimeout: 0.2 });
        const res =
          method === 'get'
            ? await request(app).get('/s/read').set('Cookie', `session=${backend.generateId()}`)
            : await request(app).post('/s/set?n=1');
        expectBackendFailure(res, true);
        expect(res.body.message).to.include(`did not answer (${route})`);
      });
    }
  });

  describe('a store that returns a promise', () => {
    for (const style of ['both', 'promise-only', 'resolve-then-callback'] as const) {
      it(`works, calling each method once (${style})`, async () => {
        const store = faulty({ get: style, set: style, destroy: style });
        const app = sessionApp({ backend: new ExpressSessionStoreBackend(store) });
        const cookie = cookieHeader(await request(app).post('/s/set?n=1').expect(200));
        expect((await request(app).get('/s/read').set('Cookie', cookie).expect(200)).body.data).to.deep.equal({ n: 1 });
        await request(app).post('/s/destroy').set('Cookie', cookie).expect(200);
        expect((await request(app).get('/s/read').set('Cookie', cookie).expect(200)).body.data).to.deep.equal({});
        // A new session looks first (create only if absent), then sets.
        expect(store.calls).to.deep.equal(['get', 'set', 'get', 'get', 'destroy', 'get']);
      });
    }
  });
});

describeBackendConformance(
  "ExpressSessionStoreBackend over express-session's MemoryStore",
  () => new ExpressSessionStoreBackend(new MemoryStore()),
  // It expires records on the wall clock (cookie.expires against Date.now()), not on ctx.now; the middleware still
  // ends sessions from its own metadata, which the suite's HTTP specs check.
  { revocable: true, honoursTtl: false },
);

describeBackendConformance(
  'ExpressSessionStoreBackend over memorystore',
  () => new ExpressSessionStoreBackend(new MemoryStoreOfMemorystore({})),
  // Its LRU cache expires an entry maxAge ms after it was set, on the wall clock, not on ctx.now.
  { revocable: true, honoursTtl: false },
  { dispose: backend => ((backend as ExpressSessionStoreBackend).store as Memorystore).stopInterval() },
);

// ---- Stores that misbehave on purpose ----

/** How a method of {@link faulty} answers. */
type Behaviour =
  | 'callback' // calls back with an error
  | 'throw' // throws synchronously
  | 'reject' // returns a rejected promise, never calls back
  | 'hang' // never answers
  | 'both' // calls back and returns a promise of the same result, as connect-redis does
  | 'promise-only' // ignores the callback, returns a promise of the result
  | 'resolve-then-callback' // returns a promise of nothing at once, calls back on the next turn (prisma-session-store)
  | 'resolve-then-error'; // the same, but the callback reports an error

type Method = 'get' | 'set' | 'destroy';

/** An express-session MemoryStore whose methods answer as told; the others behave. Records the calls made. */
function faulty(behaviours: Partial<Record<Method, Behaviour>>): ExpressSessionStore & { calls: Method[] } {
  const inner = new MemoryStore();
  const calls: Method[] = [];
  const method =
    (name: Method) =>
    (...args: unknown[]) => {
      calls.push(name);
      const call = (...params: unknown[]) => (inner[name] as (...rest: unknown[]) => unknown).apply(inner, params);
      const callback = args.pop() as (error?: unknown, value?: unknown) => void;
      const run = () =>
        new Promise<unknown>((resolve, reject) =>
          call(...args, (e: unknown, v: unknown) => (e ? reject(e) : resolve(v))),
        );
      switch (behaviours[name]) {
        case 'callback':
          return void setImmediate(callback, new Error(`store down (${name}), session ${args[0]}`));
        case 'throw':
          throw new Error(`store down (${name}), session ${args[0]}`);
        case 'reject':
          return Promise.reject(new Error(`store down (${name}), session ${args[0]}`));
        case 'hang':
          return undefined;
        case 'both':
          return run().then(
            value => (callback(null, value), value),
            error => (callback(error), Promise.reject(error)),
          );
        case 'promise-only':
          return run();
        case 'resolve-then-callback':
          call(...args, callback); // MemoryStore calls back on the next turn (setImmediate)
          return Promise.resolve(undefined);
        case 'resolve-then-error':
          setImmediate(callback, new Error(`store down (${name}), session ${args[0]}`));
          return Promise.resolve(undefined);
        default:
          return call(...args, callback);
      }
    };
  return { get: method('get'), set: method('set'), destroy: method('destroy'), calls };
}

/**
 * A 503 JSON error from the middleware, without the handler's answer, a cookie, or the store's own message. A failure
 * is told from a timeout: a store that fails must not be waited for until `backendTimeout` (5 s by default).
 */
function expectBackendFailure(res: request.Response, timedOut = false): void {
  expect(res.status).to.equal(503);
  expect(res.headers['content-type']).to.match(/^application\/json/);
  expect(res.body).to.include({ name: 'SessionBackendError' });
  expect(res.body.message).to.match(timedOut ? /did not answer/ : /failed to/);
  expect(res.body).to.not.have.property('id');
  expect(res.headers['set-cookie'], 'no Set-Cookie').to.equal(undefined);
  expect(res.text, "the store's message stays out of the answer").to.not.include('store down');
}
