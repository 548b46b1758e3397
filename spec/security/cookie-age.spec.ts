/**
 * The age of a cookie value, judged on the configured clock, over real HTTP for both cookie backends: exactly
 * `maxAge` old is valid, one second more is expired, and a value dated more than 60 seconds ahead is refused.
 */
import { expect } from 'chai';
import request from 'supertest';
import { SECRET } from '../support/app';
import { FakeClock } from '../support/clock';
import { cookieHeader, sessionCookie } from '../support/cookies';
import { FLAVOURS } from '../support/security/cookie-flavours';
import { isNoSession, securityApp } from '../support/security/security-app';

const MAX_AGE = 100;

for (const flavour of FLAVOURS) {
  describe(`security: cookie age, ${flavour.name}`, () => {
    let clock: FakeClock;

    beforeEach(() => {
      clock = new FakeClock();
    });

    function serve() {
      return securityApp(flavour.build(SECRET, MAX_AGE), { clock: clock.now });
    }

    async function countWith(value: string) {
      const { app, recording } = serve();
      const res = await request(app).get('/sec/count').set('Cookie', `session=${value}`);
      expect(res.status).to.equal(200);
      return { body: res.body as { count: number }, reads: recording.reads };
    }

    it('accepts a value dated exactly maxAge ago', async () => {
      expect((await countWith(flavour.forge('{"count":5}', clock.seconds - MAX_AGE))).body).to.deep.equal({ count: 6 });
    });

    it('refuses a value dated maxAge + 1 seconds ago', async () => {
      const { body, reads } = await countWith(flavour.forge('{"count":5}', clock.seconds - MAX_AGE - 1));
      expect(body).to.deep.equal({ count: 1 });
      expect(isNoSession(reads[0].result), 'the backend refuses it').to.equal(true);
    });

    it('accepts a value dated up to 60 seconds ahead (clock skew between instances)', async () => {
      expect((await countWith(flavour.forge('{"count":5}', clock.seconds + 60))).body).to.deep.equal({ count: 6 });
    });

    it('refuses a value dated 61 seconds ahead, and one dated far in the future', async () => {
      for (const ahead of [61, 10 * 365 * 24 * 3600]) {
        const { body, reads } = await countWith(flavour.forge('{"count":5}', clock.seconds + ahead));
        expect(body, `${ahead} s ahead`).to.deep.equal({ count: 1 });
        expect(isNoSession(reads[0].result)).to.equal(true);
      }
    });

    it('refuses a value dated at the epoch', async () => {
      expect((await countWith(flavour.forge('{"count":5}', 0))).body).to.deep.equal({ count: 1 });
    });

    it('expires a cookie it issued one second after maxAge, on the configured clock', async () => {
      const { app } = serve();
      const first = await request(app).get('/sec/count').expect(200);
      const cookie = cookieHeader(first);
      expect(flavour.open(sessionCookie(first)!.value)!.timestamp, 'dated by the clock option').to.equal(clock.seconds);
      clock.advance(MAX_AGE);
      expect((await request(app).get('/sec/peek').set('Cookie', cookie).expect(200)).body.count).to.equal(1);
      clock.advance(1);
      expect((await request(app).get('/sec/peek').set('Cookie', cookie).expect(200)).body.count).to.equal(null);
    });
  });
}
