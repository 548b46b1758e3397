/**
 * RedisBackend against a real Redis, for both drivers: what the conformance suites cannot see from outside, read back
 * from Redis itself: key names and layout, real TTLs, merging writes, corrupt data, the per-user index.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { type BackendContext, RedisBackend, type SessionData, SessionError, type SessionMetadata } from '../../src';
import { FakeClock } from '../support/clock';
import { cookieHeader, sessionCookie } from '../support/cookies';
import {
  type AnyRedisClient,
  DRIVERS,
  REDIS_URL,
  closeClient,
  deleteKeys,
  describeWithRedis,
  keysOf,
  rawCommand,
  redisClient,
  uniquePrefix,
} from '../support/redis';
import { sessionApp } from '../support/session-controller';
import { createClient } from 'redis';

const NOW = Math.floor(Date.now() / 1000);

function ctx(extra: Partial<BackendContext> = {}): BackendContext {
  return { now: NOW, lifetime: 3600, ttl: 3600, ...extra };
}

function hashed(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

describeWithRedis('RedisBackend', () => {
  for (const driver of DRIVERS) {
    describe(`with ${driver}`, () => {
      let client: AnyRedisClient;
      let prefix: string;
      let backend: RedisBackend;

      before(async () => {
        client = await redisClient(driver);
      });

      beforeEach(() => {
        prefix = uniquePrefix(`redis-${driver}`);
        backend = new RedisBackend({ client, prefix });
      });

      afterEach(async () => {
        await deleteKeys(prefix, client);
      });

      after(async () => {
        await closeClient(client);
      });

      const redis = (key: string, ...args: string[]) => rawCommand(client, key, args);
      const keyOf = (id: string) => prefix + hashed(id);

      describe('options', () => {
        it(`detects the client as ${driver}`, () => {
          expect(backend.clientKind).to.equal(driver);
        });

        it('refuses what is not a supported client, naming the option', () => {
          for (const bad of [undefined, {}, { get: () => 1 }, 'redis://localhost']) {
            expect(() => new RedisBackend({ client: bad as never }), String(bad)).to.throw(
              SessionError,
              /option `client`/,
            );
          }
        });

        it('refuses bad timeouts, bounds, prefixes and user keys, naming each', () => {
          expect(() => new RedisBackend({ client, commandTimeout: 0 })).to.throw(SessionError, /`commandTimeout`/);
          expect(() => new RedisBackend({ client, maxPending: 1.5 })).to.throw(SessionError, /`maxPending`/);
          expect(() => new RedisBackend({ client, prefix: 7 as never })).to.throw(SessionError, /`prefix`/);
          expect(() => new RedisBackend({ client, userKey: '__session' })).to.throw(SessionError, /`userKey`/);
        });
      });

      describe('keys', () => {
        it('stores a session as one hash under prefix + SHA-256 of its id, with no trace of the id', async () => {
          const id = await backend.write({ user: 'ada', cart: ['tea'] }, undefined, ctx());
          const keys = await keysOf(prefix, client);
          expect(keys).to.deep.equal([prefix + hashed(id)]);
          expect(await redis(keys[0], 'TYPE', keys[0])).to.equal('hash');
          const fields = (await redis(keys[0], 'HGETALL', keys[0])) as string[] | Record<string, string>;
          const flat = Array.isArray(fields) ? fields : Object.entries(fields).flat();
          expect(flat).to.have.members(['user', '"ada"', 'cart', '["tea"]']);
          expect(keys[0]).to.not.include(id);
          for (const text of flat) expect(text).to.not.include(id);
        });

        it('uses "session:" as the default prefix', async () => {
          const plain = new RedisBackend({ client });
          const id = await plain.write({ n: 1 }, undefined, ctx({ ttl: 5 }));
          try {
            expect(await redis(`session:${hashed(id)}`, 'EXISTS', `session:${hashed(id)}`)).to.equal(1);
          } finally {
            await plain.remove(id);
          }
        });
      });

      describe('TTL', () => {
        it('gives the key the TTL of ctx.ttl', async () => {
          const id = await backend.write({ n: 1 }, undefined, ctx({ ttl: 120 }));
          const pttl = Number(await redis(keyOf(id), 'PTTL', keyOf(id)));
          expect(pttl).to.be.above(100_000).and.at.most(120_000);
        });

        it('deletes instead of writing when the TTL is 0 or less', async () => {
          const id = await backend.write({ n: 1 }, undefined, ctx());
          await backend.write({ n: 2 }, id, ctx({ ttl: 0 }));
          expect(await backend.exists(id)).to.equal(false);
          const expired = await backend.write({
            n: 1,
            __session: { created: NOW - 100, accessed: NOW - 100, expires: NOW - 1 },
          });
          expect(await backend.exists(expired), 'a direct write of an expired record').to.equal(false);
        });

        it('touch() stores the metadata and sets the TTL, and leaves the data alone', async () => {
          const id = await backend.write(
            { n: 1, __session: { created: NOW, accessed: NOW, expires: NOW + 60 } },
            undefined,
            ctx({ ttl: 60 }),
          );
          const metadata: SessionMetadata = { created: NOW, accessed: NOW + 30, expires: NOW + 630 };
          await backend.touch(id, metadata, ctx({ ttl: 600 }));
          expect(await backend.read(id)).to.deep.equal({ n: 1, __session: metadata });
          expect(Number(await redis(keyOf(id), 'PTTL', keyOf(id))))
            .to.be.above(500_000)
            .and.at.most(600_000);
        });

        it('touch() does not bring back a session that is gone', async () => {
          const id = backend.generateId();
          await backend.touch(id, { created: NOW, accessed: NOW, expires: NOW + 60 }, ctx({ ttl: 60 }));
          expect(await backend.exists(id)).to.equal(false);
        });

        it('is refreshed by touch() when a rolling session is used without changes', async () => {
          const clock = new FakeClock();
          const app = sessionApp({ backend, rolling: true, lifetime: 1000, clock: clock.now });
          const first = await request(app).post('/s/set?cart=1').expect(200);
          const id = sessionCookie(first)!.value;
          await redis(keyOf(id), 'PEXPIRE', keyOf(id), '5000');
          const writes = countCalls(backend, 'write');
          clock.advance(120);
          try {
            await request(app).get('/s/read').set('Cookie', cookieHeader(first)).expect(200);
          } finally {
            writes.restore();
          }
          expect(writes.count, 'whole writes').to.equal(0);
          expect(Number(await redis(keyOf(id), 'PTTL', keyOf(id)))).to.be.above(900_000);
          const record = (await backend.read(id)) as SessionData & { __session: SessionMetadata };
          expect(record.cart).to.equal(1);
          expect(record.__session.accessed).to.equal(clock.seconds);
        });
      });

      describe('writes from the middleware (ctx.isNew, ctx.changes)', () => {
        it('writes only the changed keys and deletes the removed ones', async () => {
          const id = await backend.write({ a: 1, b: 1, c: 1 }, undefined, ctx());
          // b differs from the store but is not listed as changed: the store keeps its own b.
          await backend.write({ a: 2, b: 999 }, id, ctx({ isNew: false, changes: { changed: ['a'], removed: ['c'] } }));
          expect(await backend.read(id)).to.deep.equal({ a: 2, b: 1 });
        });

        it('replaces a nested value whole: the last writer of one key wins', async () => {
          const id = await backend.write({ cart: { tea: 1, milk: 1 } }, undefined, ctx());
          await backend.write(
            { cart: { tea: 2, milk: 1 } },
            id,
            ctx({ isNew: false, changes: { changed: ['cart'], removed: [] } }),
          );
          await backend.write(
            { cart: { tea: 1, milk: 5 } },
            id,
            ctx({ isNew: false, changes: { changed: ['cart'], removed: [] } }),
          );
          expect(await backend.read(id)).to.deep.equal({ cart: { tea: 1, milk: 5 } });
        });

        it('writes nothing to a session that is gone, merging or whole', async () => {
          const id = await backend.write({ a: 1 }, undefined, ctx());
          await backend.remove(id);
          await backend.write({ a: 2 }, id, ctx({ isNew: false, changes: { changed: ['a'], removed: [] } }));
          expect(await backend.exists(id), 'after a merging write').to.equal(false);
          await backend.write({ a: 3 }, id, ctx({ isNew: false }));
          expect(await backend.exists(id), 'after a whole write').to.equal(false);
        });

        it('creates a new session only where nothing is stored, under another id otherwise', async () => {
          const id = await backend.write({ a: 1, b: 1 }, undefined, ctx());
          const other = await backend.write({ c: 1 }, id, ctx({ isNew: true }));
          expect(other).to.not.equal(id);
          expect(await backend.read(id)).to.deep.equal({ a: 1, b: 1 });
          expect(await backend.read(other)).to.deep.equal({ c: 1 });
          // Not over another program's key either.
          const foreign = backend.generateId();
          await redis(keyOf(foreign), 'SET', keyOf(foreign), 'not ours');
          expect(await backend.write({ d: 1 }, foreign, ctx({ isNew: true }))).to.not.equal(foreign);
          expect(await redis(keyOf(foreign), 'GET', keyOf(foreign))).to.equal('not ours');
        });
      });

      describe('what a request costs Redis (commands per request)', () => {
        /** Calls of `command` so far, by INFO commandstats (this process is the only client of this Redis). */
        const calls = async (command: string) => {
          const stats = String(await redis('any', 'INFO', 'commandstats'));
          return Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
        };
        const counts = async () => ({
          scripts: (await calls('evalsha')) + (await calls('eval')),
          transactions: await calls('exec'),
          reads: await calls('hgetall'),
        });

        for (const [label, options] of [
          ['', {}],
          [', logged in with a user index', { userKey: 'userId' }],
        ] as const) {
          it(`merges a counter's change without a script: one HGETALL, one MULTI/EXEC${label}`, async () => {
            const app = sessionApp({ backend: new RedisBackend({ client, prefix, ...options }) });
            const first = await request(app).post('/s/set?userId=7').expect(200);
            const before = await counts();
            for (let i = 0; i < 3; i++) {
              await request(app).post('/s/increment').set('Cookie', cookieHeader(first)).expect(200);
            }
            const after = await counts();
            expect(after.scripts - before.scripts, 'scripts').to.equal(0);
            expect(after.transactions - before.transactions, 'transactions').to.equal(3);
            expect(after.reads - before.reads, 'reads').to.equal(3);
            const stored = (await backend.read(sessionCookie(first)!.value)) as SessionData;
            expect(stored).to.include({ userId: 7, count: 3 });
          });
        }
      });

      describe('expiry on merges', () => {
        it('keeps it on a merge that leaves the metadata on its deadline, and sets ctx.ttl otherwise', async () => {
          const metadata = { created: NOW, accessed: NOW, expires: NOW + 120 };
          const id = await backend.write({ a: 1, __session: metadata }, undefined, ctx({ ttl: 120 }));
          const pttl = async () => Number(await redis(keyOf(id), 'PTTL', keyOf(id)));
          const merge = (changed: string[], data: SessionData, ttl: number) =>
            backend.write(data, id, ctx({ isNew: false, ttl, changes: { changed, removed: [] } }));
          await redis(keyOf(id), 'PEXPIRE', keyOf(id), '50000');
          await merge(['a'], { a: 2, __session: metadata }, 120);
          expect(await pttl(), 'the deadline the metadata names').to.be.at.most(50_000);
          await merge(['a'], { a: 3, __session: metadata }, 3000);
          expect(await pttl(), 'a ttl the metadata does not name').to.be.above(2_900_000);
          await merge(['a', '__session'], { a: 4, __session: { ...metadata, expires: NOW + 600 } }, 600);
          expect(await pttl(), 'new metadata')
            .to.be.above(500_000)
            .and.at.most(600_000);
          expect(await backend.read(id)).to.include({ a: 4 });
        });

        it('gives a record without metadata its metadata and TTL on its next change over HTTP', async () => {
          const app = sessionApp({ backend });
          const first = await request(app).post('/s/set?count=5').expect(200);
          const key = keyOf(sessionCookie(first)!.value);
          await redis(key, 'HDEL', key, '__session');
          await redis(key, 'PEXPIRE', key, '100000');
          await request(app).post('/s/increment').set('Cookie', cookieHeader(first)).expect(200);
          expect(await redis(key, 'HEXISTS', key, '__session')).to.equal(1);
          expect(Number(await redis(key, 'PTTL', key))).to.be.above(100_000);
        });
      });

      describe('foreign or corrupt data', () => {
        it('treats a key that is not a hash as no session, and never writes session data into it', async () => {
          const id = backend.generateId();
          await redis(keyOf(id), 'SET', keyOf(id), 'not ours', 'EX', '600');
          expect(await backend.read(id)).to.equal(undefined);
          expect(await backend.exists(id)).to.equal(false);
          const merge = ctx({ isNew: false, changes: { changed: ['a'], removed: [] } });
          const error = await backend.write({ a: 1 }, id, merge).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(String(error)).to.match(/WRONGTYPE/);
          expect(await redis(keyOf(id), 'GET', keyOf(id))).to.equal('not ours');
          // Documented (docs/backends.md): a merge deletes a hash without a TTL, the sign of a destroyed session it
          // recreated; a foreign key without a TTL under a session key goes the same way.
          await redis(keyOf(id), 'PERSIST', keyOf(id));
          await backend.write({ a: 1 }, id, merge).catch(() => undefined);
          expect(await redis(keyOf(id), 'EXISTS', keyOf(id))).to.equal(0);
        });

        it('treats a hash whose values are not JSON as no session', async () => {
          for (const bytes of ['{broken', 'undefined', '\u00ff\u00fe', '1,"injected":2']) {
            const id = backend.generateId();
            await redis(keyOf(id), 'HSET', keyOf(id), 'good', '1', 'bad', bytes);
            expect(await backend.read(id), JSON.stringify(bytes)).to.equal(undefined);
          }
        });

        it('drops prototype keys from what it reads', async () => {
          const id = backend.generateId();
          await redis(
            keyOf(id),
            'HSET',
            keyOf(id),
            '__proto__',
            '{"polluted":true}',
            'nested',
            '{"__proto__":{"polluted":true},"ok":1}',
          );
          const record = (await backend.read(id)) as SessionData;
          expect(record).to.deep.equal({ nested: { ok: 1 } });
          expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
        });

        it('starts a fresh session over HTTP when the stored bytes are corrupt', async () => {
          const app = sessionApp({ backend });
          const first = await request(app).post('/s/set?count=5').expect(200);
          const id = sessionCookie(first)!.value;
          await redis(keyOf(id), 'HSET', keyOf(id), 'count', '{not json');
          const res = await request(app).post('/s/increment').set('Cookie', cookieHeader(first)).expect(200);
          expect(res.body).to.deep.equal({ count: 1 });
        });
      });

      // What every backend's user index does is checked by spec/conformance/user-sessions-conformance.ts.
      describe('userKey: what is particular to Redis', () => {
        let indexed: RedisBackend;

        beforeEach(() => {
          indexed = new RedisBackend({ client, prefix, userKey: 'userId' });
        });

        it('lists and destroys more sessions of a user than maxPending allows at once', async () => {
          const bounded = new RedisBackend({ client, prefix, userKey: 'userId', maxPending: 20 });
          for (let i = 0; i < 50; i++) await bounded.write({ userId: 'many' }, undefined, ctx());
          expect(await bounded.listUserSessions('many')).to.have.length(50);
          expect(await bounded.destroyUserSessions('many')).to.equal(50);
          expect(await bounded.listUserSessions('many')).to.have.length(0);
        });

        it('lists a session under its new user even when the index update after the write fails', async () => {
          const id = await indexed.write({ userId: 1 }, undefined, ctx({ isNew: true }));
          // The former user's index turns into a string, so taking the session out of it fails (WRONGTYPE).
          const formerIndex = `${prefix}user:${hashed('1')}`;
          await redis(formerIndex, 'DEL', formerIndex);
          await redis(formerIndex, 'SET', formerIndex, 'not an index');
          const login = ctx({ isNew: false, changes: { changed: ['userId'], removed: [] } });
          const failed = await indexed.write({ userId: 2 }, id, login).then(
            () => false,
            () => true,
          );
          expect(failed, 'the write reports the failed index update').to.equal(true);
          expect(await indexed.read(id)).to.deep.include({ userId: 2 });
          expect((await indexed.listUserSessions(2)).map(info => info.handle)).to.deep.equal([hashed(id)]);
        });

        it('expires index entries with their sessions', async () => {
          const id = await indexed.write({ userId: 7 }, undefined, ctx({ ttl: 300 }));
          const index = `${prefix}user:${hashed('7')}`;
          const sessionExpiry = Number(await redis(keyOf(id), 'PEXPIRETIME', keyOf(id)));
          const entryExpiry = Number(await redis(index, 'ZSCORE', index, hashed(id)));
          const indexExpiry = Number(await redis(index, 'PEXPIRETIME', index));
          expect(Math.abs(entryExpiry - sessionExpiry), 'entry vs session, ms').to.be.at.most(1000);
          expect(indexExpiry).to.equal(entryExpiry);
          await indexed.remove(id);
          expect(await redis(index, 'EXISTS', index), 'the index once its last session is removed').to.equal(0);
        });
      });
    });
  }

  describe('with a node-redis client speaking RESP3', () => {
    it('reads, merges and lists sessions: hash replies arrive as maps, and are read as such', async () => {
      const client = createClient({ url: REDIS_URL, RESP: 3 });
      client.on('error', () => {});
      await client.connect();
      const prefix = uniquePrefix('resp3');
      try {
        const backend = new RedisBackend({ client, prefix, userKey: 'userId' });
        const id = await backend.write({ userId: 7, cart: ['book'] }, undefined, ctx({ isNew: true }));
        await backend.write(
          { userId: 7, cart: ['book', 'pen'] },
          id,
          ctx({ isNew: false, changes: { changed: ['cart'], removed: [] } }),
        );
        expect(await backend.read(id)).to.deep.equal({ userId: 7, cart: ['book', 'pen'] });
        expect((await backend.listUserSessions(7)).map(info => info.handle)).to.deep.equal([backend.handleOf(id)]);
        expect(await backend.read(backend.generateId())).to.equal(undefined);
      } finally {
        await deleteKeys(prefix, client as unknown as AnyRedisClient);
        await client.quit();
      }
    });
  });
});

/** Counts calls of one method of `backend` until restored. */
function countCalls(backend: RedisBackend, method: 'write'): { count: number; restore(): void } {
  const original = backend[method];
  const counter = { count: 0, restore: () => delete (backend as Partial<RedisBackend>)[method] };
  backend[method] = (...args: Parameters<RedisBackend['write']>) => {
    counter.count++;
    return original.apply(backend, args);
  };
  return counter;
}
