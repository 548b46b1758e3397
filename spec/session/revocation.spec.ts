import { expect } from 'chai';
import request from 'supertest';
import { CookieBackend, type SessionMeta } from '../../src';
import { SECRET } from '../support/app';
import { FakeClock } from '../support/clock';
import { cookieHeader, isCleared, sessionCookie } from '../support/cookies';
import { sessionApp } from '../support/session-controller';

/** A "valid after" time per user, as an app would keep it in its database. */
function validAfterRegistry() {
  const validAfter = new Map<number, number>();
  const seen: SessionMeta[] = [];
  const isRevoked = (meta: SessionMeta, data: Readonly<Record<string, unknown>>) => {
    seen.push(meta);
    return typeof data.userId === 'number' && meta.createdAt < (validAfter.get(data.userId) ?? 0);
  };
  return { validAfter, seen, isRevoked };
}

describe('option: isRevoked', () => {
  it('ends every copy of a stateless cookie session created before the user\'s "valid after" time', async () => {
    const clock = new FakeClock();
    const { validAfter, isRevoked } = validAfterRegistry();
    const app = sessionApp({ clock: clock.now, isRevoked });
    const laptop = cookieHeader(await request(app).post('/s/set?userId=7').expect(200));
    const phone = cookieHeader(await request(app).post('/s/set?userId=7').expect(200));
    const other = cookieHeader(await request(app).post('/s/set?userId=8').expect(200));
    clock.advance(10);

    validAfter.set(7, clock.seconds); // "log out everywhere" for user 7
    for (const copy of [laptop, phone]) {
      const res = await request(app).get('/s/read').set('Cookie', copy).expect(200);
      expect(res.body.data).to.deep.equal({});
      expect(isCleared(sessionCookie(res))).to.equal(true);
    }
    expect((await request(app).get('/s/read').set('Cookie', other).expect(200)).body.data).to.deep.equal({ userId: 8 });

    // A login after the revocation is a new session, created after the time: it stays.
    clock.advance(1);
    const fresh = cookieHeader(await request(app).post('/s/set?userId=7').expect(200));
    expect((await request(app).get('/s/read').set('Cookie', fresh).expect(200)).body.data).to.deep.equal({ userId: 7 });
  });

  it("receives the session's metadata", async () => {
    const clock = new FakeClock();
    const registry = validAfterRegistry();
    const app = sessionApp({ clock: clock.now, lifetime: 600, isRevoked: registry.isRevoked });
    const cookie = cookieHeader(await request(app).post('/s/set?userId=7').expect(200));
    clock.advance(5);
    await request(app).get('/s/read').set('Cookie', cookie).expect(200);
    expect(registry.seen).to.deep.equal([
      {
        createdAt: clock.seconds - 5,
        lastAccessedAt: clock.seconds - 5,
        expiresAt: clock.seconds + 595,
        remainingSeconds: 595,
        lifetime: 600,
        degraded: false,
      },
    ]);
  });

  it('is not called for requests without a session', async () => {
    const registry = validAfterRegistry();
    await request(sessionApp({ isRevoked: registry.isRevoked }))
      .get('/s/read')
      .expect(200);
    expect(registry.seen).to.have.length(0);
  });

  it('fails the request with 503 when it throws: a revocation that cannot be checked is not ignored', async () => {
    const app = sessionApp({
      isRevoked: () => {
        throw new Error('revocation list unavailable');
      },
    });
    const cookie = cookieHeader(await request(app).post('/s/set?userId=7').expect(200));
    const res = await request(app).get('/s/read').set('Cookie', cookie).expect(503);
    expect(JSON.stringify(res.body)).to.not.include('revocation list');
  });

  it("gives a degraded, anonymous session when it throws under onBackendFailure: 'degrade'", async () => {
    const app = sessionApp({ onBackendFailure: 'degrade', isRevoked: async () => Promise.reject(new Error('down')) });
    const cookie = cookieHeader(await request(app).post('/s/set?userId=7').expect(200));
    const res = await request(app).get('/s/meta').set('Cookie', cookie).expect(200);
    expect(res.body.degraded).to.equal(true);
  });

  it('must be a function', () => {
    expect(() => sessionApp({ backend: new CookieBackend({ secretKey: SECRET }), isRevoked: true as never })).to.throw(
      /isRevoked/,
    );
  });
});
