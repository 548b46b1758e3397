/**
 * Session locking (`load({ lock: true })`, `@LockSession()`) on every backend that can lock, and what the others
 * answer. The Redis lease across a killed process is in spec/backends/redis-lock.spec.ts.
 */
import { expect } from 'chai';
import type { Request } from 'express';
import { JsonController, Post, Req, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import { CookieBackend, InMemoryBackend, LockSession, SessionMiddleware } from '../../src';
import { describeLockConformance } from '../conformance/lock-conformance';
import { SECRET, createApp } from '../support/app';
import { cookieHeader } from '../support/cookies';

@JsonController('/locks')
@UseBefore(SessionMiddleware)
@Service()
class LockMisuseController {
  @Post('/start')
  async start(@Req() req: Request) {
    await req.session.load();
    req.session.n = 1;
    return {};
  }

  @Post('/locked')
  @LockSession()
  locked(@Req() req: Request) {
    req.session.n = (req.session.n as number) + 1;
    return { n: req.session.n };
  }

  /** Changes the session, then asks for the lock. */
  @Post('/late')
  async late(@Req() req: Request) {
    await req.session.load();
    req.session.n = 5;
    await req.session.load({ lock: true });
    return {};
  }
}

describe('session locking', () => {
  describeLockConformance('InMemoryBackend', () => new InMemoryBackend());

  it('refuses on the cookie backends, which cannot lock: LOCK_UNSUPPORTED', async () => {
    const app = createApp([LockMisuseController], { backend: new CookieBackend({ secretKey: SECRET }) });
    const cookie = cookieHeader(await request(app).post('/locks/start').expect(200));
    const res = await request(app).post('/locks/locked').set('Cookie', cookie).expect(500);
    expect(res.body).to.include({ code: 'LOCK_UNSUPPORTED' });
    expect(res.body.message).to.match(/CookieBackend cannot lock sessions/);
  });

  it('refuses a lock asked for after the session changed: LOCKED_TOO_LATE, nothing stored', async () => {
    const app = createApp([LockMisuseController], { backend: new InMemoryBackend() });
    const cookie = cookieHeader(await request(app).post('/locks/start').expect(200));
    const res = await request(app).post('/locks/late').set('Cookie', cookie).expect(500);
    expect(res.body).to.include({ code: 'LOCKED_TOO_LATE' });
    expect((await request(app).post('/locks/locked').set('Cookie', cookie).expect(200)).body.n).to.equal(2);
  });

  it('reads the session again under the lock when autoload loaded it first', async () => {
    const app = createApp([LockMisuseController], { backend: new InMemoryBackend(), autoload: true });
    const cookie = cookieHeader(await request(app).post('/locks/start').expect(200));
    await Promise.all(
      Array.from({ length: 20 }, () => request(app).post('/locks/locked').set('Cookie', cookie).expect(200)),
    );
    expect((await request(app).post('/locks/locked').set('Cookie', cookie).expect(200)).body.n).to.equal(22);
  });
});
