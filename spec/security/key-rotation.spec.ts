/**
 * Key rotation over real HTTP, for both cookie backends: a value from an older configured key is accepted and
 * re-issued under the newest key alone; a value from a removed key is refused, also after a second rotation (a
 * "rollback" to a retired key); and the encrypted backend never repeats a nonce.
 */
import { expect } from 'chai';
import request from 'supertest';
import { EncryptedCookieBackend } from '../../src';
import { FakeClock } from '../support/clock';
import { cookieHeader, sessionCookie } from '../support/cookies';
import { FLAVOURS } from '../support/security/cookie-flavours';
import { openSealed } from '../support/security/forge';
import { securityApp } from '../support/security/security-app';

const K1 = 'rotation-key-one-0123456789-abcdefghijklmnopqrstu';
const K2 = 'rotation-key-two-0123456789-abcdefghijklmnopqrstu';
const K3 = 'rotation-key-three-0123456789-abcdefghijklmnopqr';

for (const flavour of FLAVOURS) {
  describe(`security: key rotation, ${flavour.name}`, () => {
    let clock: FakeClock;
    let now: number;

    beforeEach(() => {
      clock = new FakeClock();
      now = clock.seconds;
    });

    function serve(keys: string[]) {
      return securityApp(flavour.build(keys), { clock: clock.now });
    }

    it('accepts an old-key value and re-issues it under the newest key alone, on a request that only reads', async () => {
      const { app } = serve([K2, K1]);
      const res = await request(app)
        .get('/sec/peek')
        .set('Cookie', `session=${flavour.forge('{"count":5}', now, { secret: K1 })}`)
        .expect(200);
      expect(res.body.count).to.equal(5);
      const reissued = sessionCookie(res)?.value;
      expect(reissued, 'a Set-Cookie with the re-issued value').to.be.a('string');
      expect(JSON.parse(flavour.open(reissued!, { secret: K2 })!.text)).to.include({ count: 5 });
      expect(flavour.open(reissued!, { secret: K1 }), 'not under the old key').to.equal(undefined);
      const again = await request(app).get('/sec/peek').set('Cookie', cookieHeader(res)).expect(200);
      expect(again.body.count).to.equal(5);
      expect(again.headers['set-cookie'], 'nothing more to re-issue').to.equal(undefined);
    });

    it('does not re-issue a value of the newest key', async () => {
      const { app } = serve([K2, K1]);
      const res = await request(app)
        .get('/sec/peek')
        .set('Cookie', `session=${flavour.forge('{"count":5}', now, { secret: K2 })}`)
        .expect(200);
      expect(res.body.count).to.equal(5);
      expect(res.headers['set-cookie']).to.equal(undefined);
    });

    it('refuses a value of a key that was removed', async () => {
      const { app } = serve([K2]);
      const res = await request(app)
        .get('/sec/count')
        .set('Cookie', `session=${flavour.forge('{"count":5}', now, { secret: K1 })}`)
        .expect(200);
      expect(res.body).to.deep.equal({ count: 1 });
    });

    it('refuses a value of a retired key after a second rotation ([K2, K1] then [K3, K2]), and keeps K2 values', async () => {
      const fromK1 = flavour.forge('{"count":5}', now, { secret: K1 });
      const fromK2 = flavour.forge('{"count":7}', now, { secret: K2 });
      const before = serve([K2, K1]).app;
      expect(
        (await request(before).get('/sec/peek').set('Cookie', `session=${fromK1}`).expect(200)).body.count,
        'K1 before',
      ).to.equal(5);

      const { app } = serve([K3, K2]);
      expect((await request(app).get('/sec/count').set('Cookie', `session=${fromK1}`).expect(200)).body).to.deep.equal({
        count: 1,
      });
      const kept = await request(app).get('/sec/peek').set('Cookie', `session=${fromK2}`).expect(200);
      expect(kept.body.count).to.equal(7);
      expect(flavour.open(sessionCookie(kept)!.value, { secret: K3 }), 're-issued under K3').to.not.equal(undefined);
    });

    it('keeps a value re-issued during the first rotation through the second', async () => {
      const first = await request(serve([K2, K1]).app)
        .get('/sec/peek')
        .set('Cookie', `session=${flavour.forge('{"count":5}', now, { secret: K1 })}`);
      const res = await request(serve([K3, K2]).app)
        .get('/sec/peek')
        .set('Cookie', cookieHeader(first))
        .expect(200);
      expect(res.body.count).to.equal(5);
    });
  });
}

describe('security: nonces of EncryptedCookieBackend', () => {
  it('never repeats a nonce or a ciphertext over many seals of the same data in the same second', async () => {
    const backend = new EncryptedCookieBackend({ secretKey: K1, purpose: 'session' });
    const ctx = { now: 1_767_225_600, lifetime: 3600, ttl: 3600 };
    const nonces = new Set<string>();
    const ciphertexts = new Set<string>();
    const values = new Set<string>();
    const seals = 5000;
    for (let i = 0; i < seals; i++) {
      const value = await backend.write({ user: 7, same: 'data' }, undefined, ctx);
      const opened = openSealed(value, { secret: K1 })!;
      values.add(value);
      nonces.add(opened.nonce.toString('hex'));
      ciphertexts.add(opened.ciphertext.toString('hex'));
    }
    expect(values.size).to.equal(seals);
    expect(nonces.size).to.equal(seals);
    expect(ciphertexts.size).to.equal(seals);
  });

  it('issues a different nonce in every response over HTTP', async () => {
    const clock = new FakeClock();
    const { app } = securityApp(new EncryptedCookieBackend({ secretKey: K1, purpose: 'session' }), {
      clock: clock.now,
    });
    const nonces = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const res = await request(app).get('/sec/count').expect(200);
      nonces.add(openSealed(sessionCookie(res)!.value, { secret: K1 })!.nonce.toString('hex'));
    }
    expect(nonces.size).to.equal(40);
  });
});
