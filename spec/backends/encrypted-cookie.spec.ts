/**
 * EncryptedCookieBackend: what it adds to the shared contract. Values are sealed with AES-256-GCM under a key derived
 * per purpose, carry their seal time, rotate keys like CookieBackend, and anything that does not open is no session.
 *
 * Values are built and opened by an independent hand sealer (spec/security/forge.ts); the first specs check that it
 * agrees with the backend, so every rejection of a forged value below is a real rejection. The adversarial cases over
 * HTTP live in spec/security/.
 */
import { expect } from 'chai';
import type { Request } from 'express';
import { Get, JsonController, Req, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import {
  type BackendContext,
  CookieBackend,
  EncryptedCookieBackend,
  SessionError,
  SessionMiddleware,
  configureSessions,
  isMarkedForRewrite,
} from '../../src';
import { SECRET, createApp } from '../support/app';
import { FakeClock } from '../support/clock';
import { cookieHeader, sessionCookie } from '../support/cookies';
import { countVisit, peekVisits } from '../support/session-controller';
import { forgeSealed, openSealed } from '../support/security/forge';
import { expectNoSession, thrownBy } from '../support/checks';

const OLD_SECRET = 'old-spec-secret-9876543210-zyxwvutsrqponmlkjihgfedcba';
const NEW_SECRET = 'new-spec-secret-ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789';
const LIFETIME = 14 * 24 * 3600;
const COOKIE_OCTETS = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+$/;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function ctxAt(now: number, lifetime = LIFETIME): BackendContext {
  return { now, lifetime, ttl: lifetime };
}

function encrypted(
  secretKey: string | string[] = SECRET,
  extra: { maxAge?: number; purpose?: string } = {},
): EncryptedCookieBackend {
  return new EncryptedCookieBackend({ secretKey, purpose: 'session', ...extra });
}

@JsonController('/sealed')
@UseBefore(SessionMiddleware)
@Service()
class SealedSpecController {
  @Get('/count')
  async count(@Req() req: Request) {
    return countVisit(req);
  }

  @Get('/peek')
  async peek(@Req() req: Request) {
    return peekVisits(req);
  }
}

describe('EncryptedCookieBackend', () => {
  let clock: FakeClock;
  let now: number;
  let backend: EncryptedCookieBackend;

  beforeEach(() => {
    clock = new FakeClock();
    now = clock.seconds;
    backend = encrypted();
  });

  function serve(options: Parameters<typeof createApp>[1] = {}) {
    return createApp([SealedSpecController], { backend: EncryptedCookieBackend, clock: clock.now, ...options });
  }

  describe('the hand sealer of these specs', () => {
    it('opens what the backend seals, with its seal time, and the backend opens what it seals', async () => {
      const value = await backend.write({ count: 5 }, undefined, ctxAt(now));
      expect(openSealed(value)).to.include({ text: '{"count":5}', timestamp: now });
      expect(await backend.read(forgeSealed('{"count":6}', now), ctxAt(now))).to.deep.equal({ count: 6 });
    });
  });

  describe('values', () => {
    it('round-trip the data, and exist', async () => {
      const data = { user: { name: 'Zoë' }, list: [1, 2], text: 'a;b,c"d\\e' };
      const value = await backend.write(data, undefined, ctxAt(now));
      expect(await backend.read(value, ctxAt(now))).to.deep.equal(data);
      expect(await backend.exists(value, ctxAt(now))).to.equal(true);
    });

    it('are cookie-octets in the versioned e1 format', async () => {
      const value = await backend.write({ text: 'a;b,c"d\\e ✓' }, undefined, ctxAt(now));
      expect(value)
        .to.match(/^e1\.[A-Za-z0-9_-]+$/)
        .and.match(COOKIE_OCTETS);
    });

    it('hide the data: neither the text nor its base64 appears in the value or its bytes', async () => {
      const secretText = 'credit-card-4111111111111111';
      const value = await backend.write({ secretText }, undefined, ctxAt(now));
      expect(value).to.not.contain(Buffer.from(secretText).toString('base64url').slice(0, 12));
      expect(Buffer.from(value.slice(3), 'base64url').toString('latin1')).to.not.contain('credit-card');
      expect(openSealed(value)!.ciphertext.toString('latin1')).to.not.contain('credit');
    });

    it('differ for the same data sealed twice in the same second (a fresh nonce each time)', async () => {
      const first = await backend.write({ same: true }, undefined, ctxAt(now));
      const second = await backend.write({ same: true }, undefined, ctxAt(now));
      expect(first).to.not.equal(second);
      expect(openSealed(first)!.nonce.equals(openSealed(second)!.nonce)).to.equal(false);
    });

    it('are about as long as CookieBackend values for the same data', async () => {
      const data = { userId: 7, roles: ['admin'] };
      const sealed = await backend.write(data, undefined, ctxAt(now));
      const signed = await new CookieBackend({ secretKey: SECRET, purpose: 'session' }).write(
        data,
        undefined,
        ctxAt(now),
      );
      expect(Math.abs(sealed.length - signed.length)).to.be.below(16);
    });
  });

  describe('a tampered value', () => {
    it('reads as no session with any single character changed, and never throws', async () => {
      const value = await backend.write({ count: 5 }, undefined, ctxAt(now));
      for (let i = 0; i < value.length; i++) {
        const replacement = value[i] === 'A' ? 'B' : 'A';
        const tampered = value.slice(0, i) + replacement + value.slice(i + 1);
        expectNoSession(await backend.read(tampered, ctxAt(now)), `character ${i} changed`);
        expect(await backend.exists(tampered, ctxAt(now)), `character ${i} changed`).to.equal(false);
      }
    });

    it('reads as no session when the last character differs only in bits a lenient decoder ignores', async () => {
      // Sizes whose sealed bytes are not a multiple of 3 leave spare low bits in the last character.
      let value = '';
      for (let size = 0; value === '' || (value.length - 3) % 4 === 0; size++) {
        value = await backend.write({ pad: 'x'.repeat(size) }, undefined, ctxAt(now));
      }
      const last = value[value.length - 1];
      const sibling = value.slice(0, -1) + BASE64URL[BASE64URL.indexOf(last) ^ 1];
      expect(
        Buffer.from(sibling.slice(3), 'base64url').equals(Buffer.from(value.slice(3), 'base64url')),
        'same bytes',
      ).to.equal(true);
      expectNoSession(await backend.read(sibling, ctxAt(now)), 'non-canonical spelling');
    });

    it('reads as no session when sealed under another format marker, or relabelled', async () => {
      expectNoSession(await backend.read(forgeSealed('{"count":5}', now, { format: 'e2' }), ctxAt(now)), 'format e2');
      const genuine = forgeSealed('{"count":5}', now);
      expectNoSession(await backend.read(`e2.${genuine.slice(3)}`, ctxAt(now)), 'relabelled e2');
      expectNoSession(await backend.read(genuine.slice(3), ctxAt(now)), 'without its prefix');
    });

    it('reads as no session when longer than 4096 characters, even if genuine', async () => {
      const big = await backend.write({ blob: 'x'.repeat(4000) }, undefined, ctxAt(now));
      expect(big.length).to.be.above(4096);
      expectNoSession(await backend.read(big, ctxAt(now)), 'a genuine value over 4096');
      expect(await backend.exists(big, ctxAt(now))).to.equal(false);
    });
  });

  describe('the other cookie backend', () => {
    it('never opens a CookieBackend value under the same secret and purpose, and vice versa', async () => {
      const signer = new CookieBackend({ secretKey: SECRET, purpose: 'session' });
      const signed = await signer.write({ count: 5 }, undefined, ctxAt(now));
      const sealed = await backend.write({ count: 5 }, undefined, ctxAt(now));
      expectNoSession(await backend.read(signed, ctxAt(now)), 'signed value, encrypted backend');
      expectNoSession(await signer.read(sealed, ctxAt(now)), 'sealed value, signed backend');
      expect(await signer.read(signed, ctxAt(now)), 'the signed value is genuine').to.deep.equal({ count: 5 });
    });
  });

  describe('key rotation', () => {
    let sealedByOld: string;

    beforeEach(async () => {
      sealedByOld = await encrypted(OLD_SECRET).write({ count: 5 }, undefined, ctxAt(now));
    });

    it('opens a value sealed by an older key and asks for it to be re-sealed', async () => {
      const ctx = ctxAt(now);
      const record = await encrypted([NEW_SECRET, OLD_SECRET]).read(sealedByOld, ctx);
      expect(record).to.deep.equal({ count: 5 });
      expect(isMarkedForRewrite(record)).to.equal(true);
    });

    it('does not ask to re-seal a value sealed by the newest key', async () => {
      const rotated = encrypted([NEW_SECRET, OLD_SECRET]);
      const ctx = ctxAt(now);
      const record = await rotated.read(await rotated.write({ count: 5 }, undefined, ctxAt(now)), ctx);
      expect(record).to.deep.equal({ count: 5 });
      expect(isMarkedForRewrite(record)).to.equal(false);
    });

    it('seals with the first key only', async () => {
      const value = await encrypted([NEW_SECRET, OLD_SECRET]).write({ count: 5 }, undefined, ctxAt(now));
      expect(openSealed(value, { secret: NEW_SECRET })?.text).to.equal('{"count":5}');
      expect(openSealed(value, { secret: OLD_SECRET })).to.equal(undefined);
    });

    it('rejects a value sealed by a key that was removed', async () => {
      expectNoSession(await encrypted(NEW_SECRET).read(sealedByOld, ctxAt(now)), 'read()');
    });

    it('re-seals an old-key cookie with the newest key on a request that changes nothing, once', async () => {
      const app = serve({ secretKey: [NEW_SECRET, OLD_SECRET] });
      const res = await request(app).get('/sealed/peek').set('Cookie', `session=${sealedByOld}`).expect(200);
      expect(res.body).to.deep.equal({ count: 5 });
      const resealed = sessionCookie(res)?.value;
      expect(resealed, 'a Set-Cookie with the re-sealed value').to.be.a('string');
      expect(JSON.parse(openSealed(resealed!, { secret: NEW_SECRET })!.text)).to.include({ count: 5 });
      expect(openSealed(resealed!, { secret: OLD_SECRET })).to.equal(undefined);
      const again = await request(app).get('/sealed/peek').set('Cookie', cookieHeader(res)).expect(200);
      expect(again.body).to.deep.equal({ count: 5 });
      expect(again.headers['set-cookie'], 'no second re-seal').to.equal(undefined);
    });
  });

  describe('option: purpose', () => {
    it('binds the purpose into the key: other purposes, or none, do not open', async () => {
      const value = await backend.write({ count: 5 }, undefined, ctxAt(now));
      expectNoSession(await encrypted(SECRET, { purpose: 'admin' }).read(value, ctxAt(now)), 'purpose admin');
      expectNoSession(await new EncryptedCookieBackend({ secretKey: SECRET }).read(value, ctxAt(now)), 'no purpose');
      expect(openSealed(value, { cookieName: null }), 'the base purpose alone').to.equal(undefined);
    });

    it('is the cookie name when configureSessions() builds the backend from its class', async () => {
      const config = configureSessions({ secretKey: SECRET, backend: EncryptedCookieBackend, cookie: { name: 'app' } });
      expect(config.backend).to.be.instanceOf(EncryptedCookieBackend);
      const value = await config.backend.write({ count: 5 }, undefined, ctxAt(now));
      expect(openSealed(value, { cookieName: 'app' })?.text).to.equal('{"count":5}');
      expect(openSealed(value, { cookieName: 'session' })).to.equal(undefined);
    });

    it('builds a subclass given as the backend class from secretKey too', () => {
      class AuditedBackend extends EncryptedCookieBackend {}
      expect(configureSessions({ secretKey: SECRET, backend: AuditedBackend }).backend).to.be.instanceOf(
        AuditedBackend,
      );
    });

    for (const purpose of ['', 42]) {
      it(`rejects ${JSON.stringify(purpose)} with SessionError INVALID_OPTION`, () => {
        const error = thrownBy(() => new EncryptedCookieBackend({ secretKey: SECRET, purpose: purpose as string }));
        expect(error).to.be.instanceOf(SessionError);
        expect((error as SessionError).code).to.equal('INVALID_OPTION');
        expect((error as SessionError).message)
          .to.contain('EncryptedCookieBackend')
          .and.contain('`purpose`');
      });
    }
  });

  describe('seal age', () => {
    it('accepts a value exactly maxAge old and rejects it one second later', async () => {
      const limited = encrypted(SECRET, { maxAge: 100 });
      const value = await limited.write({ count: 5 }, undefined, ctxAt(now));
      expect(await limited.read(value, ctxAt(now + 100))).to.deep.equal({ count: 5 });
      expectNoSession(await limited.read(value, ctxAt(now + 101)), 'read() at maxAge + 1');
      expect(await limited.exists(value, ctxAt(now + 101))).to.equal(false);
    });

    it('takes ctx.lifetime as maxAge when none is given', async () => {
      const value = await backend.write({ count: 5 }, undefined, ctxAt(now));
      expect(await backend.read(value, ctxAt(now + 500, 500))).to.deep.equal({ count: 5 });
      expectNoSession(await backend.read(value, ctxAt(now + 501, 500)), 'read() at lifetime + 1');
    });

    it('accepts a seal time up to 60 seconds in the future and rejects one further ahead', async () => {
      expect(await backend.read(forgeSealed('{"count":5}', now + 60), ctxAt(now))).to.deep.equal({ count: 5 });
      expectNoSession(
        await backend.read(forgeSealed('{"count":5}', now + 61), ctxAt(now)),
        'read() of a seal 61 s ahead',
      );
    });

    it('checks the age of a value it remembers, too', async () => {
      const limited = encrypted(SECRET, { maxAge: 100 });
      const value = await limited.write({ count: 5 }, undefined, ctxAt(now));
      expect(await limited.read(value, ctxAt(now)), 'remembered').to.deep.equal({ count: 5 });
      expectNoSession(await limited.read(value, ctxAt(now + 101)), 'remembered, then too old');
    });

    for (const maxAge of [0, -1, 1.5, Number.NaN, '100' as unknown as number]) {
      it(`rejects maxAge ${String(maxAge)} (${typeof maxAge}) with SessionError INVALID_OPTION`, () => {
        const error = thrownBy(() => encrypted(SECRET, { maxAge }));
        expect(error).to.be.instanceOf(SessionError);
        expect((error as SessionError).code).to.equal('INVALID_OPTION');
        expect((error as SessionError).message)
          .to.contain('EncryptedCookieBackend')
          .and.contain('`maxAge`');
      });
    }
  });

  describe('option: secretKey', () => {
    const SHORT = 'short-secret-ABCDEFGHIJ';
    const bad: ReadonlyArray<[string, unknown, string[]]> = [
      ['a short string', SHORT, [SHORT]],
      ['an empty array', [], []],
      ['a number', 42, []],
      ['an array with a short key', [SECRET, SHORT], [SECRET, SHORT]],
      ['the same key twice', [SECRET, SECRET], [SECRET]],
    ];

    for (const [title, secretKey, secrets] of bad) {
      it(`rejects ${title} with SessionError INVALID_OPTION, without echoing it`, () => {
        const error = thrownBy(() => new EncryptedCookieBackend({ secretKey: secretKey as string }));
        expect(error).to.be.instanceOf(SessionError);
        expect((error as SessionError).code).to.equal('INVALID_OPTION');
        expect((error as SessionError).message)
          .to.contain('EncryptedCookieBackend')
          .and.contain('`secretKey`');
        for (const secret of secrets) expect(String((error as SessionError).stack)).to.not.contain(secret);
      });
    }

    it('rejects a missing options object', () => {
      expect(thrownBy(() => new EncryptedCookieBackend(undefined as never))).to.be.instanceOf(SessionError);
    });

    it('is required when configureSessions() builds the backend from its class', () => {
      const error = thrownBy(() => configureSessions({ backend: EncryptedCookieBackend }));
      expect(error).to.be.instanceOf(SessionError);
      expect((error as SessionError).message).to.contain('`secretKey`');
    });
  });

  describe('through SessionMiddleware', () => {
    it('keeps a counter in an encrypted cookie', async () => {
      const app = serve();
      const first = await request(app).get('/sealed/count').expect(200);
      expect(sessionCookie(first)!.value).to.match(/^e1\./);
      const second = await request(app).get('/sealed/count').set('Cookie', cookieHeader(first)).expect(200);
      expect(second.body).to.deep.equal({ count: 2 });
      expect(JSON.parse(openSealed(sessionCookie(second)!.value)!.text)).to.include({ count: 2 });
    });

    it('follows the clock option: valid at maxAge, expired one second later', async () => {
      const app = serve({ backend: encrypted(SECRET, { maxAge: 100 }) });
      const cookie = cookieHeader(await request(app).get('/sealed/count').expect(200));
      clock.advance(100);
      expect((await request(app).get('/sealed/peek').set('Cookie', cookie).expect(200)).body).to.deep.equal({
        count: 1,
      });
      clock.advance(1);
      expect((await request(app).get('/sealed/peek').set('Cookie', cookie).expect(200)).body).to.deep.equal({
        count: null,
      });
    });
  });
});
