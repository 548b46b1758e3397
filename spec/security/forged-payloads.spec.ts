/**
 * Values that pass the integrity check but must still not become a session, or not a harmful one: genuine seals over
 * data that is not a session record, values made for another purpose or by the other cookie backend, unsigned data,
 * prototype-pollution payloads and data keys named like the session's members. Over real HTTP, for both backends.
 */
import { expect } from 'chai';
import request from 'supertest';
import { SECRET, createApp } from '../support/app';
import { FakeClock } from '../support/clock';
import { sessionCookie } from '../support/cookies';
import { FLAVOURS, SIGNED, otherFlavour } from '../support/security/cookie-flavours';
import { forgeSealed, forgeSigned } from '../support/security/forge';
import { isPolluted } from '../support/checks';
import { SecurityController, isNoSession, securityApp } from '../support/security/security-app';

const OTHER_SECRET = 'another-secret-of-another-app-0123456789abcdef';

for (const flavour of FLAVOURS) {
  describe(`security: forged payloads, ${flavour.name}`, () => {
    let clock: FakeClock;
    let now: number;
    let prototypeNames: string[];

    beforeEach(() => {
      clock = new FakeClock();
      now = clock.seconds;
      prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
    });

    afterEach(() => {
      delete (Object.prototype as Record<string, unknown>).polluted;
    });

    function serve() {
      return securityApp(flavour.build(SECRET), { clock: clock.now });
    }

    /** Sends `value` and expects a new empty session that the backend itself refused. */
    async function expectRefused(value: string): Promise<void> {
      const { app, recording } = serve();
      const res = await request(app).get('/sec/count').set('Cookie', `session=${value}`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ count: 1 });
      expect(sessionCookie(res)?.value).to.be.a('string').and.not.equal(value);
      expect(
        recording.reads.map(read => read.value),
        'the backend saw the value',
      ).to.deep.equal([value]);
      expect(isNoSession(recording.reads[0].result), 'and read no session').to.equal(true);
    }

    describe(`a genuine ${flavour.check} over data that is not a session record`, () => {
      const texts: ReadonlyArray<[string, string]> = [
        ['text that is not JSON', 'not json at all'],
        ['truncated JSON', '{"count":5'],
        ['a JSON array', '[{"count":5}]'],
        ['null', 'null'],
        ['a number', '5'],
        ['a string', '"count"'],
        ['true', 'true'],
        ['an empty text', ''],
        ['JSON with a trailing comment', '{"count":5} // x'],
      ];
      for (const [title, text] of texts) {
        it(`gives a new empty session for ${title}`, async () => {
          await expectRefused(flavour.forge(text, now));
        });
      }

      it('gives a new empty session for bytes that are not UTF-8', async () => {
        const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
        const value =
          flavour === SIGNED
            ? forgeSigned('', now, { rawPayload: bytes.toString('base64url') })
            : forgeSealed(bytes, now);
        await expectRefused(value);
      });
    });

    describe('a value made for something else', () => {
      it('is refused when signed with the same secret for another cookie name (another area)', async () => {
        await expectRefused(flavour.forge('{"count":5}', now, { cookieName: 'admin' }));
      });

      it('is refused when signed with the same secret without a purpose', async () => {
        await expectRefused(flavour.forge('{"count":5}', now, { cookieName: null }));
      });

      it('is refused when signed with another secret', async () => {
        await expectRefused(flavour.forge('{"count":5}', now, { secret: OTHER_SECRET }));
      });

      it(`is refused when made by the other cookie backend (${otherFlavour(flavour).name}) with the same secret and name`, async () => {
        await expectRefused(otherFlavour(flavour).forge('{"count":5}', now));
      });

      it('is refused when an app with another cookie name issued it, though both share the secret', async () => {
        const admin = createApp([SecurityController], {
          backend: flavour.backendClass,
          cookie: { name: 'admin' },
          clock: clock.now,
        });
        const issued = sessionCookie(await request(admin).get('/sec/count').expect(200), 'admin')!.value;
        const { app } = securityApp(flavour.build(SECRET), { clock: clock.now });
        const res = await request(app).get('/sec/count').set('Cookie', `session=${issued}`).expect(200);
        expect(res.body).to.deep.equal({ count: 1 });
      });

      it('is refused when it is unsigned data', async () => {
        const payload = Buffer.from('{"count":5}').toString('base64url');
        for (const value of [
          payload,
          `${payload}.${now}`,
          `${payload}.${now}.`,
          `e1.${payload}`,
          `e1.${Buffer.alloc(20).toString('base64url')}${payload}`,
        ]) {
          await expectRefused(value);
        }
      });
    });

    describe('prototype pollution', () => {
      const payloads: ReadonlyArray<[string, string, string[]]> = [
        ['a top-level __proto__ key', '{"__proto__":{"polluted":"yes"},"a":1}', ['a']],
        ['a constructor.prototype path', '{"constructor":{"prototype":{"polluted":"yes"}},"a":1}', ['a']],
        ['a nested __proto__ key', '{"a":{"__proto__":{"polluted":"yes"}},"b":2}', ['a', 'b']],
        ['an escaped __proto__ key', '{"\\u005f_proto__":{"polluted":"yes"},"a":1}', ['a']],
        ['a __proto__ inside an array', '{"a":[{"__proto__":{"polluted":"yes"}}]}', ['a']],
      ];
      for (const [title, json, keys] of payloads) {
        it(`leaves Object.prototype untouched with ${title}, even when the handler deep-merges the session`, async () => {
          const { app } = serve();
          const res = await request(app)
            .get('/sec/merge')
            .set('Cookie', `session=${flavour.forge(json, now)}`)
            .expect(200);
          expect(res.body).to.deep.equal({ keys, polluted: false });
          expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
          expect(isPolluted(), 'Object.prototype polluted').to.equal(false);
          expect(Object.getOwnPropertyNames(Object.prototype).sort()).to.deep.equal(prototypeNames);
        });
      }
    });

    describe('data keys named like session members', () => {
      const json = JSON.stringify({
        load: 1,
        id: 'attacker-chosen-id',
        regenerate: 'x',
        destroy: null,
        isLoaded: false,
        then: 'x',
        meta: { degraded: true },
        __session: 'garbage',
        keep: 'yes',
      });

      it('drops them: the members keep working and only the other data shows', async () => {
        const value = flavour.forge(json, now);
        const { app } = serve();
        const res = await request(app).get('/sec/members').set('Cookie', `session=${value}`).expect(200);
        expect(res.body).to.deep.equal({
          keys: ['keep'],
          id: value,
          isLoaded: true,
          types: { load: 'function', regenerate: 'function', destroy: 'function', then: 'undefined' },
          awaitedItself: true,
          keep: 'yes',
        });
      });

      it('lets regenerate() and destroy() run on such a session', async () => {
        const value = flavour.forge(json, now);
        const { app } = serve();
        const regenerated = await request(app).post('/sec/regenerate').set('Cookie', `session=${value}`).expect(200);
        expect(regenerated.body).to.deep.equal({ changed: true, keep: 'yes' });
        const issued = flavour.open(sessionCookie(regenerated)!.value)!;
        expect(JSON.parse(issued.text))
          .to.include({ keep: 'yes' })
          .and.not.have.any.keys('load', 'id', 'then', 'regenerate');
        const destroyed = await request(app).post('/sec/destroy').set('Cookie', `session=${value}`).expect(200);
        expect(destroyed.body).to.deep.equal({ id: null });
        expect(sessionCookie(destroyed)?.attributes['max-age']).to.equal('0');
      });
    });
  });
}
