/**
 * Tampered and malformed session cookies, sent over real HTTP to the real middleware, for both cookie backends.
 *
 * Every one must give a 200 with a new, empty session (the counter starts at 1) and a fresh genuine cookie: never an
 * error status, never the data of the genuine value it was made from. Values that are not cookie-octets or longer
 * than 4096 characters must not even reach the backend; the others reach it and must read as no session.
 */
import { expect } from 'chai';
import request from 'supertest';
import { SECRET } from '../support/app';
import { FakeClock } from '../support/clock';
import { sessionCookie } from '../support/cookies';
import { FLAVOURS, type CookieFlavour } from '../support/security/cookie-flavours';
import { isNoSession, securityApp } from '../support/security/security-app';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** `text` with the character at `index` (negative: from the end) replaced by another base64url character. */
function flip(text: string, index: number): string {
  const at = (index + text.length) % text.length;
  const replacement = BASE64URL[(BASE64URL.indexOf(text[at]) + 17) % BASE64URL.length];
  return text.slice(0, at) + replacement + text.slice(at + 1);
}

function insert(text: string, index: number, extra: string): string {
  return text.slice(0, index) + extra + text.slice(index);
}

/** A bad value made from a genuine one (`valid`, holding `{ count: 5 }`), and whether the backend may see it. */
interface BadValue {
  title: string;
  build: (valid: string, flavour: CookieFlavour) => string;
  /** False when the middleware must drop the value before any backend call (not 1 to 4096 cookie-octets). */
  reachesBackend: boolean;
}

const BAD_VALUES: readonly BadValue[] = [
  { title: 'a flipped first data character', build: (v, f) => flip(v, f.dataStart), reachesBackend: true },
  { title: 'a flipped character in the middle', build: v => flip(v, Math.floor(v.length / 2)), reachesBackend: true },
  { title: 'a flipped signature or tag character', build: v => flip(v, -3), reachesBackend: true },
  { title: 'a flipped last character', build: v => flip(v, -1), reachesBackend: true },
  { title: 'the last character cut off', build: v => v.slice(0, -1), reachesBackend: true },
  {
    title: 'the last four characters cut off (a shorter signature or tag)',
    build: v => v.slice(0, -4),
    reachesBackend: true,
  },
  { title: 'half of the value', build: v => v.slice(0, Math.floor(v.length / 2)), reachesBackend: true },
  { title: 'four more characters (a longer signature or tag)', build: v => `${v}AAAA`, reachesBackend: true },
  { title: 'one more character', build: v => `${v}A`, reachesBackend: true },
  { title: 'the value twice', build: v => `${v}${v}`, reachesBackend: true },
  { title: 'an empty value', build: () => '', reachesBackend: false },
  { title: 'a single dot', build: () => '.', reachesBackend: true },
  { title: 'two dots', build: () => '..', reachesBackend: true },
  { title: 'an extra segment at the end', build: v => `${v}.extra`, reachesBackend: true },
  { title: 'an extra segment in front', build: v => `extra.${v}`, reachesBackend: true },
  { title: 'an empty segment added', build: v => `${v}.`, reachesBackend: true },
  { title: 'a "*" in the data', build: (v, f) => insert(v, f.dataStart + 4, '*'), reachesBackend: true },
  {
    title: 'a "~" replacing a data character',
    build: (v, f) => `${v.slice(0, f.dataStart + 4)}~${v.slice(f.dataStart + 5)}`,
    reachesBackend: true,
  },
  {
    title: 'base64 "+" and "/" for "-" and "_"',
    build: v => v.replace(/-/g, '+').replace(/_/g, '/') + '+/',
    reachesBackend: true,
  },
  { title: 'base64 padding', build: v => `${v}==`, reachesBackend: true },
  { title: 'a "%00" in the middle', build: v => insert(v, Math.floor(v.length / 2), '%00'), reachesBackend: true },
  { title: 'a "%00" at the end', build: v => `${v}%00`, reachesBackend: true },
  { title: 'nothing but "%00"', build: () => '%00', reachesBackend: true },
  { title: 'a percent-encoded copy', build: v => encodeURIComponent(v).replace(/\./g, '%2E'), reachesBackend: true },
  { title: 'a space in the middle', build: v => insert(v, 8, ' '), reachesBackend: false },
  { title: 'a backslash in the middle', build: v => insert(v, 8, '\\'), reachesBackend: false },
  { title: 'a double quote in the middle', build: v => insert(v, 8, '"'), reachesBackend: false },
  { title: 'a comma in the middle', build: v => insert(v, 8, ','), reachesBackend: false },
  { title: 'a non-ASCII character in the middle', build: v => insert(v, 8, 'é'), reachesBackend: false },
  { title: '4097 characters', build: () => 'A'.repeat(4097), reachesBackend: false },
];

for (const flavour of FLAVOURS) {
  describe(`security: tampered cookies, ${flavour.name}`, () => {
    let clock: FakeClock;
    let valid: string;

    beforeEach(async () => {
      clock = new FakeClock();
      valid = flavour.forge('{"count":5}', clock.seconds);
    });

    function serve() {
      return securityApp(flavour.build(SECRET), { clock: clock.now });
    }

    it('accepts the genuine value the bad ones are made from (the baseline)', async () => {
      const { app } = serve();
      const res = await request(app).get('/sec/count').set('Cookie', `session=${valid}`).expect(200);
      expect(res.body).to.deep.equal({ count: 6 });
    });

    for (const bad of BAD_VALUES) {
      it(`gives a new empty session for ${bad.title}`, async () => {
        const value = bad.build(valid, flavour);
        expect(value, 'the bad value differs from the genuine one').to.not.equal(valid);
        const { app, recording } = serve();
        const res = await request(app).get('/sec/count').set('Cookie', `session=${value}`);
        expect(res.status).to.equal(200);
        expect(res.body).to.deep.equal({ count: 1 });
        const issued = sessionCookie(res)?.value;
        expect(issued, 'a fresh cookie').to.be.a('string').and.not.equal(value);
        expect(JSON.parse(flavour.open(issued!)!.text)).to.include({ count: 1 });
        if (bad.reachesBackend) {
          expect(recording.reads.map(read => read.value)).to.deep.equal([value]);
          expect(isNoSession(recording.reads[0].result), 'the backend reads no session').to.equal(true);
        } else {
          expect(recording.reads, 'the backend is never handed the value').to.deep.equal([]);
        }
      });
    }

    it('drops a genuine value over 4096 characters before the backend', async () => {
      const big = flavour.forge(JSON.stringify({ count: 5, blob: 'x'.repeat(4000) }), clock.seconds);
      expect(big.length).to.be.above(4096);
      const { app, recording } = serve();
      const res = await request(app).get('/sec/count').set('Cookie', `session=${big}`).expect(200);
      expect(res.body).to.deep.equal({ count: 1 });
      expect(recording.reads).to.deep.equal([]);
    });

    it('reads the first session cookie when the header carries it twice, and never merges the two', async () => {
      const other = flavour.forge('{"count":40}', clock.seconds);
      const { app } = serve();
      const first = await request(app)
        .get('/sec/count')
        .set('Cookie', `session=${valid}; session=${other}`)
        .expect(200);
      expect(first.body).to.deep.equal({ count: 6 });
      const tamperedFirst = await request(app)
        .get('/sec/count')
        .set('Cookie', `session=${flip(valid, -3)}; session=${other}`)
        .expect(200);
      expect(tamperedFirst.body, 'a bad first cookie is no session, not a fallback to the second').to.deep.equal({
        count: 1,
      });
    });
  });
}
