import { expect } from 'chai';
import request from 'supertest';
import { BROWSER_SESSION_LIFETIME, CookieBackend, InMemoryBackend } from '../../src';
import { SECRET } from '../support/app';
import { FakeClock } from '../support/clock';
import { cookieHeader, isCleared, sessionCookie } from '../support/cookies';
import { FaultyBackend } from '../support/faulty-backend';
import { sessionApp } from '../support/session-controller';

describe('option: lifetime', () => {
  let clock: FakeClock;
  beforeEach(() => {
    clock = new FakeClock();
  });

  it('defaults to 14 days, sent as Max-Age with a matching Expires', async () => {
    const res = await request(sessionApp({ clock: clock.now }))
      .post('/s/increment')
      .expect(200);
    const cookie = sessionCookie(res)!;
    expect(cookie.attributes['max-age']).to.equal(String(14 * 24 * 3600));
    expect(Date.parse(cookie.attributes.expires as string)).to.equal((clock.seconds + 14 * 24 * 3600) * 1000);
  });

  it('sets Max-Age to the configured seconds', async () => {
    const res = await request(sessionApp({ clock: clock.now, lifetime: 600 }))
      .post('/s/increment')
      .expect(200);
    expect(sessionCookie(res)!.attributes['max-age']).to.equal('600');
  });

  it('0 gives a browser-session cookie without Max-Age or Expires', async () => {
    const res = await request(sessionApp({ clock: clock.now, lifetime: 0 }))
      .post('/s/increment')
      .expect(200);
    const cookie = sessionCookie(res)!;
    expect(cookie.attributes).to.not.have.property('max-age');
    expect(cookie.attributes).to.not.have.property('expires');
  });

  for (const [name, makeBackend] of [
    ['InMemoryBackend', () => new InMemoryBackend()],
    ['CookieBackend', () => new CookieBackend({ secretKey: SECRET, maxAge: 400 * 24 * 3600 })],
  ] as const) {
    it(`is enforced on the server, not only by the cookie (${name})`, async () => {
      const backend = new FaultyBackend(makeBackend());
      const app = sessionApp({ clock: clock.now, lifetime: 600, backend });
      const cookie = cookieHeader(await request(app).post('/s/increment').expect(200));
      clock.advance(599);
      expect((await request(app).get('/s/read').set('Cookie', cookie).expect(200)).body.data).to.deep.equal({
        count: 1,
      });
      clock.advance(1);
      const res = await request(app).get('/s/read').set('Cookie', cookie).expect(200);
      expect(res.body.data).to.deep.equal({});
      // Gone from the store (where a store can forget), and the cookie is never extended.
      if (backend.inner.revocable)
        expect(
          await backend.inner.exists(cookie.slice('session='.length), { now: clock.seconds, lifetime: 600, ttl: 600 }),
        ).to.equal(false);
      const sent = sessionCookie(res);
      expect(sent === undefined || isCleared(sent)).to.equal(true);
    });
  }

  it('removes a record that outlived its metadata and clears its cookie', async () => {
    // A store without TTLs of its own (here: 400-day signatures) still loses the session when it expires.
    const backend = new FaultyBackend(new CookieBackend({ secretKey: SECRET, maxAge: 400 * 24 * 3600 }));
    const app = sessionApp({ clock: clock.now, lifetime: 600, backend });
    const cookie = cookieHeader(await request(app).post('/s/increment').expect(200));
    clock.advance(600);
    const res = await request(app).get('/s/read').set('Cookie', cookie).expect(200);
    expect(backend.count('remove')).to.equal(1);
    expect(isCleared(sessionCookie(res))).to.equal(true);
  });

  it('0 still expires on the server after BROWSER_SESSION_LIFETIME', async () => {
    const app = sessionApp({ clock: clock.now, lifetime: 0, backend: new InMemoryBackend() });
    const cookie = cookieHeader(await request(app).post('/s/increment').expect(200));
    clock.advance(BROWSER_SESSION_LIFETIME - 1);
    expect((await request(app).get('/s/read').set('Cookie', cookie).expect(200)).body.data).to.deep.equal({ count: 1 });
    clock.advance(1);
    expect((await request(app).get('/s/read').set('Cookie', cookie).expect(200)).body.data).to.deep.equal({});
  });

  it('does not move when the data changes (not rolling): Max-Age counts down', async () => {
    const backend = new FaultyBackend(new InMemoryBackend());
    const app = sessionApp({ clock: clock.now, lifetime: 600, backend, rolling: false });
    const cookie = cookieHeader(await request(app).post('/s/increment').expect(200));
    clock.advance(100);
    const res = await request(app).post('/s/increment').set('Cookie', cookie).expect(200);
    expect(res.headers['set-cookie']).to.equal(undefined);
    expect(backend.calls.at(-1)).to.deep.include({ operation: 'write', ttl: 500 });
    clock.advance(500);
    expect((await request(app).get('/s/read').set('Cookie', cookie).expect(200)).body.data).to.deep.equal({});
  });
});

describe('a changed configuration', () => {
  it('shortens stored sessions at once, but never lengthens one that is not refreshed', async () => {
    const clock = new FakeClock();
    const backend = new FaultyBackend(new InMemoryBackend());
    const cookie = cookieHeader(
      await request(sessionApp({ clock: clock.now, lifetime: 600, backend }))
        .post('/s/increment')
        .expect(200),
    );
    clock.advance(500);
    const longer = sessionApp({ clock: clock.now, lifetime: 3600, backend });
    await request(longer).post('/s/increment').set('Cookie', cookie).expect(200);
    expect(backend.calls.at(-1), 'the stored end holds').to.deep.include({ operation: 'write', ttl: 100 });
    const shorter = sessionApp({ clock: clock.now, lifetime: 300, backend });
    expect(
      (await request(shorter).get('/s/read').set('Cookie', cookie).expect(200)).body.data,
      'created 500 s ago',
    ).to.deep.equal({});
  });
});

describe('option: rolling', () => {
  it('extends the session and re-sends the cookie on activity', async () => {
    const clock = new FakeClock();
    const backend = new FaultyBackend(new InMemoryBackend());
    const app = sessionApp({ clock: clock.now, lifetime: 600, backend, rolling: true });
    const cookie = cookieHeader(await request(app).post('/s/increment').expect(200));
    for (let i = 0; i < 3; i++) {
      clock.advance(400);
      const res = await request(app).get('/s/read').set('Cookie', cookie).expect(200);
      expect(res.body.data).to.deep.equal({ count: 1 });
      const refreshed = sessionCookie(res)!;
      expect(refreshed.attributes['max-age']).to.equal('600');
      expect(Date.parse(refreshed.attributes.expires as string)).to.equal((clock.seconds + 600) * 1000);
    }
    // Only the expiry moved: extended with touch(), the data not rewritten.
    expect(backend.calls.at(-1)).to.deep.include({ operation: 'touch', ttl: 600 });
  });

  it('does not re-send the cookie when not set', async () => {
    const clock = new FakeClock();
    const app = sessionApp({ clock: clock.now, lifetime: 600, backend: new InMemoryBackend() });
    const cookie = cookieHeader(await request(app).post('/s/increment').expect(200));
    clock.advance(400);
    const res = await request(app).get('/s/read').set('Cookie', cookie).expect(200);
    expect(res.headers['set-cookie']).to.equal(undefined);
  });
});
