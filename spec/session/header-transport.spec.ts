/**
 * The `header` option: the session id in `X-Session-Id` or `Authorization: Bearer`, for clients that keep no
 * cookies. The request's transport decides its response's: a header request never gets a cookie.
 */
import { expect } from 'chai';
import request from 'supertest';
import {
  CookieBackend,
  InMemoryBackend,
  RedisBackend,
  type SessionBackend,
  SessionError,
  type SessionOptions,
} from '../../src';
import { SECRET } from '../support/app';
import { FakeClock } from '../support/clock';
import { cookieHeader, sessionCookie } from '../support/cookies';
import { describeWithRedis, useRedisClient } from '../support/redis';
import { sessionApp } from '../support/session-controller';

/** The id a response handed out in `X-Session-Id`, checking it set no cookie. */
function idFrom(res: request.Response): string | undefined {
  expect(res.headers['set-cookie'], 'a header response sets no cookie').to.equal(undefined);
  return res.headers['x-session-id'] as string | undefined;
}

function headerSpecs(makeBackend: () => SessionBackend): void {
  let clock: FakeClock;
  beforeEach(() => (clock = new FakeClock()));
  const app = (options: SessionOptions = {}) =>
    sessionApp({ backend: makeBackend(), clock: clock.now, header: 'x-session-id', cookie: false, ...options });

  it('hands out a new id in the response header, never a cookie, and reads it back', async () => {
    const server = app();
    const first = await request(server).post('/s/increment').expect(200);
    const id = idFrom(first)!;
    expect(id).to.be.a('string').and.not.equal('');
    expect(first.headers['cache-control']).to.equal('no-store');
    expect(first.headers.vary).to.match(/x-session-id/i);
    const second = await request(server).post('/s/increment').set('X-Session-Id', id).expect(200);
    expect(second.body.count).to.equal(2);
    // Server-side ids do not change with the data; a cookie backend's sealed value does, and is sent again.
    const next = idFrom(second) ?? id;
    if (makeBackend().revocable) expect(next).to.equal(id);
    expect((await request(server).get('/s/read').set('X-Session-Id', next).expect(200)).body.data).to.deep.equal({
      count: 2,
    });
  });

  it('reads `Authorization: Bearer <id>` (any case of the scheme) and answers in X-Session-Id', async () => {
    const server = app({ header: 'authorization' });
    const id = idFrom(await request(server).post('/s/increment').expect(200))!;
    const res = await request(server).post('/s/increment').set('Authorization', `bearer  ${id}`).expect(200);
    expect(res.body.count).to.equal(2);
    // Another scheme carries no session id: a new session, still answered in the header.
    const basic = await request(server).post('/s/increment').set('Authorization', 'Basic dXNlcjpwYXNz').expect(200);
    expect(basic.body.count).to.equal(1);
    expect(idFrom(basic)).to.be.a('string');
  });

  it('never adopts an id the store does not know, nor a malformed one', async () => {
    const server = app();
    for (const sent of ['unknown-id-0123456789abcdef', 'a b', 'x'.repeat(5000)]) {
      const res = await request(server).post('/s/increment').set('X-Session-Id', sent).expect(200);
      expect(res.body.count).to.equal(1);
      expect(idFrom(res)).to.be.a('string').and.not.equal(sent);
    }
  });

  it('sends the new id after regenerate(), and an empty value after destroy()', async () => {
    const server = app();
    const id = idFrom(await request(server).post('/s/increment').expect(200))!;
    const regenerated = await request(server).post('/s/regenerate').set('X-Session-Id', id).expect(200);
    const fresh = idFrom(regenerated)!;
    expect(fresh).to.be.a('string');
    // A cookie backend's value is its data: regenerated within the same second, it may well be the same.
    if (makeBackend().revocable) expect(fresh).to.not.equal(id);
    if (makeBackend().revocable)
      expect((await request(server).get('/s/read').set('X-Session-Id', id).expect(200)).body.data).to.deep.equal({});
    const destroyed = await request(server).post('/s/destroy').set('X-Session-Id', fresh).expect(200);
    expect(idFrom(destroyed)).to.equal('');
  });

  it('keeps the timeouts: an idle session ends', async () => {
    const server = app({ idleTimeout: 600 });
    const id = idFrom(await request(server).post('/s/increment').expect(200))!;
    clock.advance(600);
    const res = await request(server).get('/s/read').set('X-Session-Id', id).expect(200);
    expect(res.body.data).to.deep.equal({});
    // Removed by the middleware, the client is told to forget the id; a store that expired it itself says nothing.
    expect(['', undefined]).to.include(idFrom(res));
  });

  it('is not limited by the cookie path', async () => {
    const server = app({ cookie: { path: '/elsewhere' }, header: 'x-session-id' });
    // With a cookie path elsewhere, a cookie request here would store nothing; a header request is not a cookie.
    const res = await request(server).post('/s/increment').set('X-Session-Id', 'new').expect(200);
    expect(idFrom(res)).to.be.a('string');
  });
}

describe('option: header (the session id in a header)', () => {
  describe('CookieBackend', () => headerSpecs(() => new CookieBackend({ secretKey: SECRET })));
  describe('InMemoryBackend', () => headerSpecs(() => new InMemoryBackend()));
  describeWithRedis('RedisBackend', () => {
    const redis = useRedisClient('header');
    headerSpecs(() => new RedisBackend({ client: redis.client, prefix: redis.prefix }));
  });

  describe('with cookies too', () => {
    const app = () => sessionApp({ backend: new InMemoryBackend(), header: 'x-session-id' });

    it('a request with the header uses it and ignores its cookie; its response sets no cookie', async () => {
      const server = app();
      const viaCookie = cookieHeader(await request(server).post('/s/increment').expect(200));
      const viaHeader = idFrom(await request(server).post('/s/increment').set('X-Session-Id', 'new').expect(200))!;
      const res = await request(server)
        .post('/s/increment')
        .set('Cookie', viaCookie)
        .set('X-Session-Id', viaHeader)
        .expect(200);
      expect(res.body.count).to.equal(2);
      expect(idFrom(res)).to.equal(undefined);
      // The cookie's session was left alone.
      const cookieSession = await request(server).get('/s/read').set('Cookie', viaCookie).expect(200);
      expect(cookieSession.body.data).to.deep.equal({ count: 1 });
    });

    it('a request without the header is a cookie request: Set-Cookie, never the id in a header', async () => {
      const res = await request(app()).post('/s/increment').expect(200);
      expect(sessionCookie(res)).to.not.equal(undefined);
      expect(res.headers['x-session-id']).to.equal(undefined);
      expect(res.headers.vary).to.match(/cookie/i);
    });
  });

  it('checks the option at start-up', () => {
    const bad: SessionOptions[] = [
      { cookie: false },
      { header: '' },
      { header: 'x session' },
      { header: 'cookie' },
      { header: { name: 'x-session-id', responseName: 'set-cookie' } },
      { header: { name: 'x-session-id', extra: 1 } as never },
      { header: 42 as never },
    ];
    for (const options of bad) expect(() => sessionApp(options), JSON.stringify(options)).to.throw(SessionError);
    const custom = sessionApp({ header: { name: 'X-Token', responseName: 'X-New-Token' }, cookie: false });
    return request(custom)
      .post('/s/increment')
      .expect(200)
      .then(res => expect(res.headers['x-new-token']).to.be.a('string'));
  });
});
