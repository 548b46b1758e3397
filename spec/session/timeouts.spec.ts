import { expect } from 'chai';
import request from 'supertest';
import { CookieBackend, InMemoryBackend, type SessionBackend, type SessionMeta } from '../../src';
import { SECRET } from '../support/app';
import { FakeClock } from '../support/clock';
import { cookieHeader, isCleared, sessionCookie } from '../support/cookies';
import { FaultyBackend } from '../support/faulty-backend';
import { sessionApp } from '../support/session-controller';

const BACKENDS: ReadonlyArray<readonly [string, () => SessionBackend]> = [
  ['InMemoryBackend', () => new InMemoryBackend()],
  ['CookieBackend', () => new CookieBackend({ secretKey: SECRET, maxAge: 400 * 24 * 3600 })],
];

describe('option: idleTimeout', () => {
  for (const [name, makeBackend] of BACKENDS) {
    it(`ends a session left idle that long, though the cookie lives on (${name})`, async () => {
      const clock = new FakeClock();
      const app = sessionApp({ clock: clock.now, lifetime: 3600, idleTimeout: 600, backend: makeBackend() });
      let cookie = cookieHeader(await request(app).post('/s/increment').expect(200));
      // Activity within the timeout keeps it alive, well past the first 600 seconds.
      for (let i = 0; i < 3; i++) {
        clock.advance(500);
        const res = await request(app).post('/s/increment').set('Cookie', cookie).expect(200);
        expect(res.body.count).to.equal(i + 2);
        if (sessionCookie(res)) cookie = cookieHeader(res);
      }
      clock.advance(600);
      const res = await request(app).get('/s/read').set('Cookie', cookie).expect(200);
      expect(res.body.data).to.deep.equal({});
      const sent = sessionCookie(res);
      expect(sent === undefined || isCleared(sent), 'never extended').to.equal(true);
    });
  }

  it('sends a Max-Age that counts down to the idle deadline, refreshed by activity', async () => {
    const clock = new FakeClock();
    const app = sessionApp({ clock: clock.now, lifetime: 3600, idleTimeout: 600, backend: new InMemoryBackend() });
    const first = await request(app).post('/s/increment').expect(200);
    expect(sessionCookie(first)!.attributes['max-age']).to.equal('600');
    clock.advance(200);
    const res = await request(app).get('/s/read').set('Cookie', cookieHeader(first)).expect(200);
    const refreshed = sessionCookie(res)!;
    expect(refreshed.attributes['max-age']).to.equal('600');
    expect(Date.parse(refreshed.attributes.expires as string)).to.equal((clock.seconds + 600) * 1000);
  });

  it('applies to sessions stored before it was configured', async () => {
    const clock = new FakeClock();
    const backend = new InMemoryBackend();
    const cookie = cookieHeader(
      await request(sessionApp({ clock: clock.now, lifetime: 3600, backend }))
        .post('/s/increment')
        .expect(200),
    );
    clock.advance(601);
    const app = sessionApp({ clock: clock.now, lifetime: 3600, idleTimeout: 600, backend });
    expect((await request(app).get('/s/read').set('Cookie', cookie).expect(200)).body.data).to.deep.equal({});
  });
});

describe('option: absoluteTimeout', () => {
  it('counts from the creation time of a record whose `accessed` is null (an older record)', async () => {
    const clock = new FakeClock();
    const backend = new InMemoryBackend();
    const created = clock.seconds - 2000;
    const ctx = { now: clock.seconds, lifetime: 3600, ttl: 3600, isNew: true };
    const id = await backend.write(
      { count: 1, __session: { created, accessed: null, expires: clock.seconds + 3600 } },
      undefined,
      ctx,
    );
    const app = sessionApp({ clock: clock.now, lifetime: 3600, absoluteTimeout: 1800, backend });
    const res = await request(app).get('/s/read').set('Cookie', `session=${id}`).expect(200);
    expect(res.body.data, 'past the absolute deadline of its creation').to.deep.equal({});
  });

  for (const [name, makeBackend] of BACKENDS) {
    it(`ends a rolling session that long after its creation, however active (${name})`, async () => {
      const clock = new FakeClock();
      const app = sessionApp({
        clock: clock.now,
        lifetime: 600,
        rolling: true,
        absoluteTimeout: 1800,
        touchAfter: 0,
        backend: makeBackend(),
      });
      let cookie = cookieHeader(await request(app).post('/s/increment').expect(200));
      for (let elapsed = 0; elapsed < 1500; elapsed += 300) {
        clock.advance(300);
        const res = await request(app).post('/s/increment').set('Cookie', cookie).expect(200);
        expect(res.body.count).to.be.greaterThan(1);
        const sent = sessionCookie(res);
        if (sent !== undefined) {
          expect(Number(sent.attributes['max-age']), 'never past the absolute deadline').to.be.at.most(
            1800 - elapsed - 300,
          );
          cookie = cookieHeader(res);
        }
      }
      clock.advance(299); // 1799 seconds old: still alive
      const last = await request(app).post('/s/increment').set('Cookie', cookie).expect(200);
      expect(last.body.count).to.equal(7);
      if (sessionCookie(last) !== undefined) cookie = cookieHeader(last);
      clock.advance(1);
      const res = await request(app).get('/s/read').set('Cookie', cookie).expect(200);
      expect(res.body.data).to.deep.equal({});
      const sent = sessionCookie(res);
      expect(sent === undefined || isCleared(sent), 'never extended').to.equal(true);
    });
  }

  it('caps the Max-Age of a new session', async () => {
    const clock = new FakeClock();
    const res = await request(sessionApp({ clock: clock.now, lifetime: 3600, absoluteTimeout: 900 }))
      .post('/s/increment')
      .expect(200);
    expect(sessionCookie(res)!.attributes['max-age']).to.equal('900');
  });

  it('counts from the last regenerate(): a login starts a new session', async () => {
    const clock = new FakeClock();
    const app = sessionApp({ clock: clock.now, lifetime: 3600, absoluteTimeout: 900, backend: new InMemoryBackend() });
    const first = await request(app).post('/s/increment').expect(200);
    clock.advance(800);
    const regenerated = await request(app).post('/s/regenerate').set('Cookie', cookieHeader(first)).expect(200);
    clock.advance(800);
    const res = await request(app).get('/s/read').set('Cookie', cookieHeader(regenerated)).expect(200);
    expect(res.body.data).to.deep.equal({ count: 1 });
  });
});

describe('option: touchAfter', () => {
  it('refreshes a rolling session at most once per touchAfter, with touch() instead of a write', async () => {
    const clock = new FakeClock();
    const backend = new FaultyBackend(new InMemoryBackend());
    const app = sessionApp({ clock: clock.now, lifetime: 3600, rolling: true, touchAfter: 300, backend });
    const cookie = cookieHeader(await request(app).post('/s/increment').expect(200));
    backend.calls.length = 0;

    clock.advance(299);
    const early = await request(app).get('/s/read').set('Cookie', cookie).expect(200);
    expect(early.headers['set-cookie'], 'no refresh before touchAfter').to.equal(undefined);
    expect(backend.calls.map(call => call.operation)).to.deep.equal(['read']);

    clock.advance(1);
    const due = await request(app).get('/s/read').set('Cookie', cookie).expect(200);
    expect(sessionCookie(due)!.attributes['max-age']).to.equal('3600');
    expect(backend.calls.map(call => call.operation)).to.deep.equal(['read', 'read', 'touch']);
    expect(backend.calls[2]).to.deep.include({ ttl: 3600 });
    expect(backend.calls[2].metadata).to.deep.include({ accessed: clock.seconds, expires: clock.seconds + 3600 });

    // The touch stored the new metadata: the session lives 3600 s from the touch, not from its creation.
    clock.advance(3599);
    expect((await request(app).get('/s/read').set('Cookie', cookie).expect(200)).body.data).to.deep.equal({ count: 1 });
  });

  it('rewrites the whole record when the backend has no touch()', async () => {
    const clock = new FakeClock();
    const backend = new FaultyBackend(new CookieBackend({ secretKey: SECRET }));
    const app = sessionApp({ clock: clock.now, lifetime: 3600, rolling: true, touchAfter: 60, backend });
    const cookie = cookieHeader(await request(app).post('/s/increment').expect(200));
    clock.advance(60);
    const res = await request(app).get('/s/read').set('Cookie', cookie).expect(200);
    expect(backend.count('write')).to.equal(2);
    expect(res.body.data).to.deep.equal({ count: 1 });
    expect(sessionCookie(res)!.value, 'a re-signed cookie').to.not.equal(cookie.slice('session='.length));
  });

  it('is not needed for a write: changed data refreshes a rolling session at once', async () => {
    const clock = new FakeClock();
    const backend = new FaultyBackend(new InMemoryBackend());
    const app = sessionApp({ clock: clock.now, lifetime: 3600, rolling: true, touchAfter: 300, backend });
    const cookie = cookieHeader(await request(app).post('/s/increment').expect(200));
    clock.advance(10);
    const res = await request(app).post('/s/increment').set('Cookie', cookie).expect(200);
    expect(backend.calls.at(-1)).to.deep.include({ operation: 'write', ttl: 3600 });
    expect(sessionCookie(res)!.attributes['max-age']).to.equal('3600');
  });

  it('defaults to 60 seconds, or a quarter of a shorter timeout', async () => {
    const clock = new FakeClock();
    const backend = new FaultyBackend(new InMemoryBackend());
    const app = sessionApp({ clock: clock.now, lifetime: 3600, idleTimeout: 100, backend });
    const cookie = cookieHeader(await request(app).post('/s/increment').expect(200));
    clock.advance(24);
    await request(app).get('/s/read').set('Cookie', cookie).expect(200);
    expect(backend.count('touch')).to.equal(0);
    clock.advance(1);
    await request(app).get('/s/read').set('Cookie', cookie).expect(200);
    expect(backend.count('touch')).to.equal(1);
  });

  it('must be shorter than the timeouts it refreshes', () => {
    expect(() => sessionApp({ lifetime: 600, rolling: true, touchAfter: 600 })).to.throw(/touchAfter/);
    expect(() => sessionApp({ idleTimeout: 60, touchAfter: 60 })).to.throw(/touchAfter/);
  });
});

describe('req.session.meta', () => {
  it('is undefined before the session loads', async () => {
    const res = await request(sessionApp()).get('/s/meta?before=load').expect(200);
    expect(res.body).to.deep.equal({ meta: null });
  });

  it("tells when the session began, was last active and ends, counting this request's refresh", async () => {
    const clock = new FakeClock();
    const start = clock.seconds;
    const app = sessionApp({
      clock: clock.now,
      lifetime: 3600,
      rolling: true,
      absoluteTimeout: 7200,
      touchAfter: 60,
      backend: new InMemoryBackend(),
    });
    const cookie = cookieHeader(await request(app).post('/s/increment').expect(200));
    clock.advance(1000);
    const meta = (await request(app).get('/s/meta').set('Cookie', cookie).expect(200)).body as SessionMeta;
    expect(meta).to.deep.equal({
      createdAt: start,
      lastAccessedAt: start + 1000,
      expiresAt: start + 1000 + 3600,
      remainingSeconds: 3600,
      lifetime: 3600,
      degraded: false,
    });
    clock.advance(3000);
    const later = (await request(app).get('/s/meta').set('Cookie', cookie).expect(200)).body as SessionMeta;
    expect(later).to.deep.include({ createdAt: start, expiresAt: start + 7200, remainingSeconds: 7200 - 4000 });
  });

  it('keeps the metadata out of the data and out of reach of handlers', async () => {
    const app = sessionApp({ backend: new InMemoryBackend() });
    const cookie = cookieHeader(await request(app).post('/s/increment').expect(200));
    const res = await request(app).get('/s/read').set('Cookie', cookie).expect(200);
    expect(res.body.data).to.deep.equal({ count: 1 });
    await request(app).post('/s/set?meta=1').set('Cookie', cookie).expect(500);
    await request(app).post('/s/set?__session=1').set('Cookie', cookie).expect(500);
  });
});
