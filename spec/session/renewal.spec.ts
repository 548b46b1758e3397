/**
 * `renewAfter`: the session id changes by itself every so often (OWASP's renewal timeout), data and deadlines
 * kept, and the id it replaced still leads to the session for `renewalGrace` seconds.
 */
import { expect } from 'chai';
import type { Pool } from 'pg';
import request from 'supertest';
import {
  CookieBackend,
  InMemoryBackend,
  PostgresBackend,
  RedisBackend,
  type SessionBackend,
  SessionError,
  type SessionOptions,
  type UserSessions,
  hasUserSessions,
} from '../../src';
import { SECRET } from '../support/app';
import { FakeClock } from '../support/clock';
import { cookieHeader, sessionCookie } from '../support/cookies';
import { describeWithPostgres, postgresPool, uniqueTableName } from '../support/postgres';
import { describeWithRedis, useRedisClient } from '../support/redis';
import { sessionApp } from '../support/session-controller';

const RENEW_AFTER = 600;
const GRACE = 30;

/** The renewal specs of a server-side backend; `makeBackend` gets a `userKey` of `user`. */
function serverSideSpecs(makeBackend: () => SessionBackend): void {
  let clock: FakeClock;
  let backend: SessionBackend;
  beforeEach(() => {
    // From the wall clock's now: the user index lists sessions by it.
    clock = new FakeClock(Date.now());
    backend = makeBackend();
  });

  function app(options: SessionOptions = {}) {
    return sessionApp({
      clock: clock.now,
      lifetime: 3600,
      rolling: true,
      absoluteTimeout: 7200,
      renewAfter: RENEW_AFTER,
      renewalGrace: GRACE,
      backend,
      ...options,
    });
  }

  /** A session holding `user: 7`; returns its cookie. */
  async function login(server: ReturnType<typeof app>): Promise<string> {
    return cookieHeader(await request(server).post('/s/set?user=7').expect(200));
  }

  function read(server: ReturnType<typeof app>, cookie: string) {
    return request(server).get('/s/read').set('Cookie', cookie).expect(200);
  }

  function meta(server: ReturnType<typeof app>, cookie: string) {
    return request(server).get('/s/meta').set('Cookie', cookie).expect(200);
  }

  it('keeps the id before renewAfter', async () => {
    const server = app();
    const cookie = await login(server);
    clock.advance(RENEW_AFTER - 1);
    const res = await read(server, cookie);
    expect(res.body.data).to.deep.equal({ user: 7 });
    expect(sessionCookie(res)?.value ?? cookie.slice('session='.length)).to.equal(cookie.slice('session='.length));
  });

  it('changes the id after renewAfter, even on a read, keeping the data and the creation time', async () => {
    const server = app();
    const cookie = await login(server);
    const before = (await meta(server, cookie)).body;
    clock.advance(RENEW_AFTER);
    const res = await read(server, cookie);
    const renewed = cookieHeader(res);
    expect(renewed).to.not.equal(cookie);
    expect(res.body.data).to.deep.equal({ user: 7 });
    const after = (await meta(server, renewed)).body;
    expect(after.createdAt).to.equal(before.createdAt);
  });

  it('renews again every renewAfter seconds, and ends at the absolute deadline all the same', async () => {
    const server = app();
    let cookie = await login(server);
    const seen = new Set([cookie]);
    for (let step = 0; step < 11; step++) {
      clock.advance(RENEW_AFTER);
      const res = await request(server).post('/s/increment').set('Cookie', cookie).expect(200);
      cookie = cookieHeader(res);
      seen.add(cookie);
    }
    expect(seen.size).to.equal(12);
    expect((await read(server, cookie)).body.data).to.include({ user: 7, count: 11 });
    clock.advance(7200 - 11 * RENEW_AFTER);
    expect((await read(server, cookie)).body.data).to.deep.equal({});
  });

  it('lets the old id lead to the session within the grace period, handing it the new id', async () => {
    const server = app();
    const old = await login(server);
    clock.advance(RENEW_AFTER);
    const renewed = cookieHeader(await read(server, old));
    clock.advance(GRACE - 1);
    // A request in flight with the old id: it sees the session and learns the new id.
    const late = await read(server, old);
    expect(late.body.data).to.deep.equal({ user: 7 });
    expect(cookieHeader(late)).to.equal(renewed);
    // Its writes land in the session under the new id.
    await request(server).post('/s/set?cart=3').set('Cookie', old).expect(200);
    expect((await read(server, renewed)).body.data).to.deep.equal({ user: 7, cart: 3 });
  });

  it('forgets the old id after the grace period, without ending the session', async () => {
    const server = app();
    const old = await login(server);
    clock.advance(RENEW_AFTER);
    const renewed = cookieHeader(await read(server, old));
    clock.advance(GRACE);
    const res = await read(server, old);
    expect(res.body.data).to.deep.equal({});
    expect((await read(server, renewed)).body.data).to.deep.equal({ user: 7 });
  });

  it('never follows an old id twice: the id before last is gone', async () => {
    const server = app({ renewAfter: 20, renewalGrace: 10 });
    const first = await login(server);
    clock.advance(20);
    const second = cookieHeader(await read(server, first));
    clock.advance(5);
    // Within the first id's grace, the second has not yet renewed: the first leads on.
    expect((await read(server, first)).body.data).to.deep.equal({ user: 7 });
    clock.advance(15);
    const third = cookieHeader(await read(server, second));
    expect(third).to.not.equal(second);
    expect((await read(server, first)).body.data).to.deep.equal({});
    expect((await read(server, third)).body.data).to.deep.equal({ user: 7 });
  });

  it('does not renew a session regenerate() just gave a new id, and counts from then', async () => {
    const server = app();
    const cookie = await login(server);
    clock.advance(RENEW_AFTER - 10);
    const rotated = cookieHeader(await request(server).post('/s/rotate').set('Cookie', cookie).expect(200));
    clock.advance(20);
    const res = await read(server, rotated);
    expect(sessionCookie(res)?.value ?? rotated.slice('session='.length)).to.equal(rotated.slice('session='.length));
  });

  it('lists only the new id among the user’s sessions, so logging out everywhere ends it', async () => {
    if (!hasUserSessions(backend)) throw new Error('expected a backend with user sessions');
    const users: UserSessions = backend;
    const server = app();
    const old = await login(server);
    clock.advance(RENEW_AFTER);
    const renewed = cookieHeader(await read(server, old));
    const listed = await users.listUserSessions(7);
    expect(listed.map(session => session.handle)).to.deep.equal([users.handleOf(renewed.slice('session='.length))]);
    expect(await users.destroyUserSessions(7)).to.equal(1);
    expect((await read(server, renewed)).body.data).to.deep.equal({});
    expect((await read(server, old)).body.data).to.deep.equal({});
  });

  it('treats a retired record whose pointer was tampered with as no session, never a failure', async () => {
    const server = app();
    const old = await login(server);
    clock.advance(RENEW_AFTER);
    await read(server, old);
    const oldId = old.slice('session='.length);
    const retired = (await backend.read(oldId, { now: clock.seconds, lifetime: 3600, ttl: 3600 }))!;
    const metadata = retired.__session as { successor: string };
    for (const successor of ['short', `${metadata.successor.slice(0, -2)}AA`]) {
      await backend.write({ __session: { ...metadata, successor } }, oldId, {
        now: clock.seconds,
        lifetime: 3600,
        ttl: GRACE,
        isNew: false,
      });
      expect((await read(server, old)).body.data, successor).to.deep.equal({});
    }
  });

  it('renews nothing without renewAfter', async () => {
    const server = app({ renewAfter: undefined, renewalGrace: undefined });
    const cookie = await login(server);
    clock.advance(3000);
    const res = await read(server, cookie);
    expect(sessionCookie(res)!.value).to.equal(cookie.slice('session='.length));
  });
}

describe('renewAfter (automatic id renewal)', () => {
  describe('InMemoryBackend', () => serverSideSpecs(() => new InMemoryBackend({ userKey: 'user' })));

  describeWithRedis('RedisBackend', () => {
    const redis = useRedisClient('renewal');
    let backends = 0;
    // A prefix per backend: each spec's user 7 is its own.
    serverSideSpecs(
      () => new RedisBackend({ client: redis.client, prefix: `${redis.prefix}${++backends}:`, userKey: 'user' }),
    );
  });

  describeWithPostgres('PostgresBackend', () => {
    let pool: Pool;
    const opened: PostgresBackend[] = [];
    before(() => (pool = postgresPool()));
    after(async () => {
      for (const backend of opened) backend.close();
      await pool.end();
    });
    serverSideSpecs(() => {
      const backend = new PostgresBackend({
        pool,
        table: uniqueTableName('renewal'),
        pruneInterval: 0,
        userKey: 'user',
      });
      opened.push(backend);
      return backend;
    });
  });

  describe('CookieBackend', () => {
    let clock: FakeClock;
    beforeEach(() => (clock = new FakeClock()));
    const app = () =>
      sessionApp({
        clock: clock.now,
        lifetime: 3600,
        absoluteTimeout: 7200,
        renewAfter: RENEW_AFTER,
        backend: new CookieBackend({ secretKey: SECRET }),
      });

    it('re-seals the cookie after renewAfter, keeping the data and the creation time', async () => {
      const server = app();
      const cookie = cookieHeader(await request(server).post('/s/set?user=7').expect(200));
      const createdAt = (await request(server).get('/s/meta').set('Cookie', cookie).expect(200)).body.createdAt;
      clock.advance(RENEW_AFTER - 1);
      expect(sessionCookie(await request(server).get('/s/read').set('Cookie', cookie).expect(200))).to.equal(undefined);
      clock.advance(1);
      const res = await request(server).get('/s/read').set('Cookie', cookie).expect(200);
      const renewed = cookieHeader(res);
      expect(renewed).to.not.equal(cookie);
      const after = (await request(server).get('/s/meta').set('Cookie', renewed).expect(200)).body;
      expect(after.createdAt).to.equal(createdAt);
      expect((await request(server).get('/s/read').set('Cookie', renewed).expect(200)).body.data).to.deep.equal({
        user: 7,
      });
      // Counted from the renewal: no new cookie until renewAfter has passed again.
      clock.advance(RENEW_AFTER - 1);
      expect(sessionCookie(await request(server).get('/s/read').set('Cookie', renewed).expect(200))).to.equal(
        undefined,
      );
    });
  });

  it('checks renewAfter and renewalGrace at start-up', () => {
    const backend = new InMemoryBackend();
    for (const options of [
      { renewAfter: -1 },
      { renewAfter: 1 },
      { renewAfter: 1.5 },
      { renewAfter: 60, renewalGrace: 60 },
      { renewAfter: 60, renewalGrace: 0 },
      { renewAfter: 60, renewalGrace: 2.5 },
    ]) {
      expect(() => sessionApp({ backend, ...options }), JSON.stringify(options)).to.throw(SessionError, /renew/);
    }
    expect(() => sessionApp({ backend, renewAfter: 2 })).to.not.throw();
  });
});
