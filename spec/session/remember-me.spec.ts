/**
 * `req.session.setLifetime()`: a lifetime per session ("remember me", or a browser-session cookie for "don't"),
 * kept with the record so that the cookie's Max-Age and the store's TTL follow it on every later request.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { Get, JsonController, Post, Req, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import {
  BROWSER_SESSION_LIFETIME,
  CookieBackend,
  EncryptedCookieBackend,
  InMemoryBackend,
  RedisBackend,
  SessionError,
  SessionMiddleware,
  type SessionBackend,
  type SessionOptions,
} from '../../src';
import { SECRET, createApp } from '../support/app';
import { FakeClock } from '../support/clock';
import { cookieHeader, sessionCookie } from '../support/cookies';
import { describeWithRedis, useRedisClient } from '../support/redis';

const DAY = 24 * 3600;

@JsonController('/rm')
@UseBefore(SessionMiddleware)
@Service()
class RememberController {
  /** Logs in; `?remember=` seconds gives the session that lifetime, `?order=first` sets it before `regenerate()`. */
  @Post('/login')
  async login(@Req() req: Request) {
    const remember = req.query.remember === undefined ? undefined : Number(req.query.remember);
    if (remember !== undefined && req.query.order === 'first') await req.session.setLifetime(remember);
    await req.session.regenerate();
    req.session.userId = 7;
    if (remember !== undefined && req.query.order !== 'first') await req.session.setLifetime(remember);
    return { meta: req.session.meta };
  }

  @Post('/lifetime')
  async lifetime(@Req() req: Request) {
    try {
      await req.session.setLifetime(Number(req.query.seconds));
      return { ok: true };
    } catch (error) {
      return { code: (error as SessionError).code, message: (error as Error).message };
    }
  }

  @Post('/count')
  async count(@Req() req: Request) {
    await req.session.load();
    req.session.count = ((req.session.count as number | undefined) ?? 0) + 1;
    return { count: req.session.count };
  }

  @Get('/read')
  async read(@Req() req: Request) {
    await req.session.load();
    return { userId: req.session.userId ?? null, meta: req.session.meta ?? null };
  }
}

/** The remember-me specs for one backend; `ttlOf` reads the store's own TTL of the session in the cookie. */
function rememberMeSpecs(makeBackend: () => SessionBackend, ttlOf?: (cookie: string) => Promise<number>): void {
  let clock: FakeClock;
  beforeEach(() => (clock = new FakeClock()));

  function app(options: SessionOptions = {}) {
    return createApp([RememberController], {
      clock: clock.now,
      lifetime: DAY,
      maxLifetime: 30 * DAY,
      backend: makeBackend(),
      ...options,
    });
  }

  async function login(server: ReturnType<typeof app>, query: string) {
    const res = await request(server).post(`/rm/login${query}`).expect(200);
    return { res, cookie: cookieHeader(res) };
  }

  it('sets a longer lifetime: Max-Age, the server and the store follow it', async () => {
    const server = app();
    const { res, cookie } = await login(server, `?remember=${30 * DAY}`);
    expect(sessionCookie(res)!.attributes['max-age']).to.equal(String(30 * DAY));
    expect(res.body.meta).to.include({ lifetime: 30 * DAY, remainingSeconds: 30 * DAY });
    if (ttlOf !== undefined) expect(await ttlOf(cookie)).to.be.within(30 * DAY - 5, 30 * DAY);
    // Alive long after the configured day...
    clock.advance(29 * DAY);
    expect((await request(server).get('/rm/read').set('Cookie', cookie).expect(200)).body.userId).to.equal(7);
    // ...and ended by the server at its own end.
    clock.advance(DAY);
    expect((await request(server).get('/rm/read').set('Cookie', cookie).expect(200)).body.userId).to.equal(null);
  });

  it('keeps the lifetime on later writes: the re-sent cookie has the session’s own Max-Age', async () => {
    const server = app();
    const { cookie } = await login(server, `?remember=${30 * DAY}`);
    clock.advance(3600);
    const res = await request(server).post('/rm/count').set('Cookie', cookie).expect(200);
    const sent = sessionCookie(res);
    // Cookie backends re-seal on every write; server-side ones need not send the cookie again at all.
    if (sent !== undefined) expect(sent.attributes['max-age']).to.equal(String(30 * DAY - 3600));
    const again = sent === undefined ? cookie : cookieHeader(res);
    expect((await request(server).get('/rm/read').set('Cookie', again).expect(200)).body.meta.lifetime).to.equal(
      30 * DAY,
    );
  });

  it('0 gives a browser-session cookie, ended on the server within a day, also on later writes', async () => {
    const server = app({ lifetime: 14 * DAY, maxLifetime: undefined });
    const { res, cookie } = await login(server, '?remember=0');
    const sent = sessionCookie(res)!;
    expect(sent.attributes).to.not.have.property('max-age');
    expect(sent.attributes).to.not.have.property('expires');
    expect(res.body.meta).to.include({ lifetime: 0, remainingSeconds: BROWSER_SESSION_LIFETIME });
    if (ttlOf !== undefined) expect(await ttlOf(cookie)).to.be.within(DAY - 5, DAY);

    const write = await request(server).post('/rm/count').set('Cookie', cookie).expect(200);
    const resent = sessionCookie(write);
    if (resent !== undefined) expect(resent.attributes).to.not.have.property('max-age');
    const latest = resent === undefined ? cookie : cookieHeader(write);
    clock.advance(DAY);
    expect((await request(server).get('/rm/read').set('Cookie', latest).expect(200)).body.userId).to.equal(null);
  });

  it('changes an existing session’s cookie between persistent and browser-session', async () => {
    const server = app();
    const { cookie } = await login(server, '');
    const toBrowser = await request(server).post('/rm/lifetime?seconds=0').set('Cookie', cookie).expect(200);
    expect(toBrowser.body).to.deep.equal({ ok: true });
    expect(sessionCookie(toBrowser)!.attributes).to.not.have.property('max-age');
    const back = await request(server)
      .post(`/rm/lifetime?seconds=${7 * DAY}`)
      .set('Cookie', cookieHeader(toBrowser))
      .expect(200);
    expect(sessionCookie(back)!.attributes['max-age']).to.equal(String(7 * DAY));
    // The same lifetime again is no change: nothing is written, no cookie is sent.
    const same = await request(server)
      .post(`/rm/lifetime?seconds=${7 * DAY}`)
      .set('Cookie', cookieHeader(back))
      .expect(200);
    expect(sessionCookie(same)).to.equal(undefined);
  });

  it('is bounded by maxLifetime (a clear error) and by absoluteTimeout', async () => {
    const server = app({ absoluteTimeout: 7 * DAY });
    const { res, cookie } = await login(server, `?remember=${30 * DAY}`);
    expect(sessionCookie(res)!.attributes['max-age']).to.equal(String(7 * DAY));
    const tooLong = await request(server)
      .post(`/rm/lifetime?seconds=${31 * DAY}`)
      .set('Cookie', cookie)
      .expect(200);
    expect(tooLong.body.code).to.equal('INVALID_ARGUMENT');
    expect(tooLong.body.message).to.match(/maxLifetime/);
    for (const bad of ['-1', '1.5', 'NaN'])
      expect((await request(server).post(`/rm/lifetime?seconds=${bad}`).expect(200)).body.code).to.equal(
        'INVALID_ARGUMENT',
      );
    clock.advance(7 * DAY);
    expect((await request(server).get('/rm/read').set('Cookie', cookie).expect(200)).body.userId).to.equal(null);
  });

  it('a lower maxLifetime in a later configuration shortens sessions that have a longer one', async () => {
    const backend = makeBackend();
    const first = app({ backend });
    const { cookie } = await login(first, `?remember=${30 * DAY}`);
    const later = app({ backend, maxLifetime: 2 * DAY });
    clock.advance(2 * DAY);
    expect((await request(later).get('/rm/read').set('Cookie', cookie).expect(200)).body.userId).to.equal(null);
  });

  it('survives a regenerate() in the same request, but a new login starts with the configured lifetime', async () => {
    const server = app();
    const { res, cookie } = await login(server, `?remember=${30 * DAY}&order=first`);
    expect(sessionCookie(res)!.attributes['max-age']).to.equal(String(30 * DAY));
    const again = await request(server).post('/rm/login').set('Cookie', cookie).expect(200);
    expect(sessionCookie(again)!.attributes['max-age']).to.equal(String(DAY));
    expect(again.body.meta.lifetime).to.equal(DAY);
  });
}

describe('req.session.setLifetime() (remember me)', () => {
  describe('CookieBackend', () => rememberMeSpecs(() => new CookieBackend({ secretKey: SECRET })));
  describe('EncryptedCookieBackend', () => rememberMeSpecs(() => new EncryptedCookieBackend({ secretKey: SECRET })));
  describe('InMemoryBackend', () => rememberMeSpecs(() => new InMemoryBackend()));

  describeWithRedis('RedisBackend', () => {
    const redis = useRedisClient('remember');
    rememberMeSpecs(
      () => new RedisBackend({ client: redis.client, prefix: redis.prefix }),
      // RedisBackend keys a session by the SHA-256 of its id.
      cookie =>
        redis.client.ttl(
          redis.prefix + createHash('sha256').update(cookie.slice('session='.length)).digest('base64url'),
        ),
    );
  });

  it('checks maxLifetime at start-up', () => {
    expect(() => createApp([RememberController], { maxLifetime: 60 })).to.throw(SessionError, /`maxLifetime`/);
    expect(() => createApp([RememberController], { maxLifetime: 401 * DAY })).to.throw(SessionError, /`maxLifetime`/);
  });
});
