/**
 * CookieBackend: what it adds to the shared contract. Tampered, malformed, expired and foreign cookies are no
 * session at all (never an error), keys rotate, the 4096-byte limit holds, and prototypes stay clean.
 *
 * Forged values are signed by hand (HKDF-SHA256 key per purpose, then HMAC-SHA256), the scheme the backend
 * documents; a spec below checks that the hand signer agrees with the backend, so every rejection of a forged value
 * is a real rejection.
 */
import { expect } from 'chai';
import { createHmac, hkdfSync } from 'node:crypto';
import type { Request } from 'express';
import { Get, JsonController, Req, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import {
  type BackendContext,
  CookieBackend,
  SessionError,
  isMarkedForRewrite,
  SessionMiddleware,
  configureSessions,
} from '../../src';
import { EXPRESS_MAJORS, SECRET, createApp } from '../support/app';
import { FakeClock } from '../support/clock';
import { cookieHeader, sessionCookie } from '../support/cookies';
import { countVisit, peekVisits } from '../support/session-controller';
import { expectNoSession, isPolluted, naiveMerge, thrownBy } from '../support/checks';

/**
 * The HKDF purpose the backend signs for (see src/backends/cookie.ts): the base string, plus the cookie name that
 * `configureSessions()` binds in. Every backend in this file is built for the default cookie name, `session`.
 */
const PURPOSE = 'routing-controllers-sessions/cookie-backend/v1/session';
const COOKIE_PURPOSE = 'session';
const OLD_SECRET = 'old-spec-secret-9876543210-zyxwvutsrqponmlkjihgfedcba';
const NEW_SECRET = 'new-spec-secret-ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789';
const LIFETIME = 14 * 24 * 3600;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function ctxAt(now: number, lifetime = LIFETIME): BackendContext {
  return { now, lifetime, ttl: lifetime };
}

function hmac(key: Buffer | string, message: string): string {
  return createHmac('sha256', key).update(message).digest('base64url');
}

function purposeKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), purpose, 32));
}

interface ForgeOptions {
  secret?: string;
  purpose?: string;
  /** The payload segment as is, instead of base64url of the text. */
  rawPayload?: string;
  /** The timestamp segment as is. */
  rawTimestamp?: string;
}

/** A cookie value over `text`, signed by hand; by default exactly as the backend would sign it. */
function forge(text: string, timestamp: number, options: ForgeOptions = {}): string {
  const payload = options.rawPayload ?? Buffer.from(text).toString('base64url');
  const signed = `${payload}.${options.rawTimestamp ?? timestamp}`;
  return `${signed}.${hmac(purposeKey(options.secret ?? SECRET, options.purpose ?? PURPOSE), signed)}`;
}

function segments(value: string): [string, string, string] {
  const [payload, timestamp, signature] = value.split('.');
  return [payload, timestamp, signature];
}

/** `text` with the character at `index` replaced by another character of the base64url alphabet. */
function flip(text: string, index: number): string {
  const at = (index + text.length) % text.length;
  const replacement = text[at] === 'A' ? 'B' : 'A';
  return text.slice(0, at) + replacement + text.slice(at + 1);
}

@JsonController('/cookie')
@UseBefore(SessionMiddleware)
@Service()
class CookieSpecController {
  @Get('/count')
  async count(@Req() req: Request) {
    return countVisit(req);
  }

  @Get('/peek')
  async peek(@Req() req: Request) {
    return peekVisits(req);
  }

  @Get('/big')
  async big(@Req() req: Request) {
    await req.session.load();
    req.session.blob = 'x'.repeat(Number(req.query.size));
    return { ok: true };
  }

  @Get('/merge')
  async merge(@Req() req: Request) {
    await req.session.load();
    naiveMerge({}, req.session);
    return { keys: Object.keys(req.session), polluted: isPolluted() };
  }
}

type CaseBuilder = (valid: string, now: number) => string;

/** Bad cookie values, each built from a genuine one holding `{ count: 5 }`; every one must be no session. */
const BAD_VALUES: ReadonlyArray<[string, CaseBuilder]> = [
  [
    'a flipped payload character',
    v => {
      const [p, t, s] = segments(v);
      return `${flip(p, 3)}.${t}.${s}`;
    },
  ],
  [
    'a flipped signature character',
    v => {
      const [p, t, s] = segments(v);
      return `${p}.${t}.${flip(s, 0)}`;
    },
  ],
  [
    // The last of 43 characters carries 4 bits of the 32-byte signature; decoders ignore its 2 low bits.
    'a signature whose last character differs only in bits decoders ignore',
    v => {
      const [p, t, s] = segments(v);
      return `${p}.${t}.${s.slice(0, -1)}${BASE64URL[BASE64URL.indexOf(s[s.length - 1]) ^ 1]}`;
    },
  ],
  [
    'a changed timestamp',
    v => {
      const [p, t, s] = segments(v);
      return `${p}.${Number(t) - 1}.${s}`;
    },
  ],
  ['the last character cut off', v => v.slice(0, -1)],
  ['half of the value', v => v.slice(0, Math.floor(v.length / 2))],
  ['only the payload', v => segments(v)[0]],
  ['an extra segment at the end', v => `${v}.extra`],
  ['an extra segment in front', v => `extra.${v}`],
  [
    'an extra empty segment in the middle',
    v => {
      const [p, t, s] = segments(v);
      return `${p}.${t}..${s}`;
    },
  ],
  [
    'an empty payload',
    v => {
      const [, t, s] = segments(v);
      return `.${t}.${s}`;
    },
  ],
  [
    'an empty timestamp',
    v => {
      const [p, , s] = segments(v);
      return `${p}..${s}`;
    },
  ],
  [
    'an empty signature',
    v => {
      const [p, t] = segments(v);
      return `${p}.${t}.`;
    },
  ],
  ['nothing but dots', () => '..'],
  ['a signature one character too long', v => `${v}A`],
  [
    'a signature one character too short',
    v => {
      const [p, t, s] = segments(v);
      return `${p}.${t}.${s.slice(1)}`;
    },
  ],
  ['a signature of twice the length', v => `${v}${segments(v)[2]}`],
  [
    'a non-base64 character in the signature',
    v => {
      const [p, t, s] = segments(v);
      return `${p}.${t}.${s.slice(0, 10)}*${s.slice(11)}`;
    },
  ],
  [
    'a non-base64 character in the payload',
    v => {
      const [p, t, s] = segments(v);
      return `${p.slice(0, 2)}!${p.slice(3)}.${t}.${s}`;
    },
  ],
  ['a valid signature over text that is not JSON', (_, now) => forge('not json at all', now)],
  ['a valid signature over truncated JSON', (_, now) => forge('{"count":5', now)],
  ['a valid signature over a JSON array', (_, now) => forge('[{"count":5}]', now)],
  ['a valid signature over null', (_, now) => forge('null', now)],
  ['a valid signature over a number', (_, now) => forge('5', now)],
  ['a valid signature over a string', (_, now) => forge('"count"', now)],
  ['a valid signature over true', (_, now) => forge('true', now)],
  [
    'a valid signature over a timestamp that is not a number',
    (_, now) => forge('{"count":5}', now, { rawTimestamp: `${now}x` }),
  ],
  ['a valid signature over a negative timestamp', (_, now) => forge('{"count":5}', now, { rawTimestamp: `-${now}` })],
  [
    'a valid signature over a payload with non-base64url characters',
    (_, now) => forge('', now, { rawPayload: `${Buffer.from('{"count":5}').toString('base64url')}!*` }),
  ],
];

describe('CookieBackend', () => {
  let clock: FakeClock;
  let now: number;
  let backend: CookieBackend;
  /** A genuine cookie value holding `{ count: 5 }`, signed now with SECRET. */
  let valid: string;

  beforeEach(async () => {
    clock = new FakeClock();
    now = clock.seconds;
    backend = new CookieBackend({ secretKey: SECRET, purpose: COOKIE_PURPOSE });
    valid = await backend.write({ count: 5 }, undefined, ctxAt(now));
  });

  afterEach(() => {
    delete (Object.prototype as Record<string, unknown>).polluted;
  });

  function serve(options: Parameters<typeof createApp>[1] = {}, major: 4 | 5 = 5) {
    return createApp([CookieSpecController], { clock: clock.now, ...options }, { express: major });
  }

  describe('the hand signer of these specs', () => {
    it('produces exactly what the backend writes, and the backend accepts it', async () => {
      expect(forge(JSON.stringify({ count: 5 }), now)).to.equal(valid);
      expect(await backend.read(forge('{"count":6}', now), ctxAt(now))).to.deep.equal({ count: 6 });
    });
  });

  describe('a tampered or malformed value', () => {
    it('is compared against a genuine value, which is a session directly and over HTTP', async () => {
      expect(await backend.read(valid, ctxAt(now))).to.deep.equal({ count: 5 });
      expect(await backend.exists(valid, ctxAt(now))).to.equal(true);
      const res = await request(serve()).get('/cookie/count').set('Cookie', `session=${valid}`).expect(200);
      expect(res.body).to.deep.equal({ count: 6 });
    });

    for (const [title, build] of BAD_VALUES) {
      describe(`with ${title}`, () => {
        it('reads as no session, and does not exist', async () => {
          const value = build(valid, now);
          expect(value).to.not.equal(valid);
          expectNoSession(await backend.read(value, ctxAt(now)), 'read()');
          expect(await backend.exists(value, ctxAt(now))).to.equal(false);
        });

        it('gives an empty session over HTTP, never an error', async () => {
          const res = await request(serve())
            .get('/cookie/count')
            .set('Cookie', `session=${build(valid, now)}`)
            .expect(200);
          expect(res.body).to.deep.equal({ count: 1 });
          expect(sessionCookie(res)?.value, 'a fresh cookie').to.be.a('string').and.not.equal('');
        });
      });
    }
  });

  describe('size', () => {
    /** The largest `{ blob }` whose value fits in 4096 characters, and that value. */
    async function largestFitting(): Promise<{ size: number; value: string }> {
      let size = 2900;
      let value = await backend.write({ blob: 'x'.repeat(size) }, undefined, ctxAt(now));
      expect(value.length, 'the search starts below the limit').to.be.at.most(4096);
      for (;;) {
        const next = await backend.write({ blob: 'x'.repeat(size + 1) }, undefined, ctxAt(now));
        if (next.length > 4096) return { size, value };
        size += 1;
        value = next;
      }
    }

    it('accepts a value of up to 4096 characters and rejects a longer one, even validly signed', async () => {
      const { size, value } = await largestFitting();
      expect(await backend.read(value, ctxAt(now))).to.deep.equal({ blob: 'x'.repeat(size) });
      const longer = await backend.write({ blob: 'x'.repeat(size + 1) }, undefined, ctxAt(now));
      expect(longer.length).to.be.above(4096);
      expectNoSession(await backend.read(longer, ctxAt(now)), 'read() of the longer value');
      expect(await backend.exists(longer, ctxAt(now))).to.equal(false);
    });

    it('gives an empty session over HTTP for a validly signed value over 4096 bytes', async () => {
      const big = await backend.write({ count: 5, blob: 'x'.repeat(5000) }, undefined, ctxAt(now));
      const res = await request(serve()).get('/cookie/count').set('Cookie', `session=${big}`).expect(200);
      expect(res.body).to.deep.equal({ count: 1 });
    });

    for (const major of EXPRESS_MAJORS) {
      describe(`data too large for a cookie (express ${major})`, () => {
        /** Blob sizes that make the written cookie (name=value) end between `from` and `to` bytes. */
        async function blobSizeForCookieBytes(from: number, to: number): Promise<number> {
          // The middleware adds its metadata; measure with the same record shape and clock.
          const metadata = { created: now, expires: now + LIFETIME };
          for (let size = 2800; size < 3200; size++) {
            const value = await backend.write({ blob: 'x'.repeat(size), __session: metadata }, undefined, ctxAt(now));
            const bytes = 'session='.length + value.length;
            if (bytes > from && bytes <= to) return size;
          }
          throw new Error(`no blob size gives a cookie of ${from + 1} to ${to} bytes`);
        }

        it('is saved when the cookie stays within 4096 bytes (the limit, not the handler, decides)', async () => {
          const size = await blobSizeForCookieBytes(4000, 4096);
          const res = await request(serve({}, major)).get(`/cookie/big?size=${size}`).expect(200);
          expect(res.body).to.deep.equal({ ok: true });
          expect(sessionCookie(res)).to.not.equal(undefined);
        });

        it('fails the request with a 500 JSON error naming the problem, and no Set-Cookie, just over the limit', async () => {
          const size = await blobSizeForCookieBytes(4096, 4104);
          const res = await request(serve({}, major)).get(`/cookie/big?size=${size}`).expect(500);
          expect(res.headers['content-type']).to.match(/^application\/json/);
          expect(res.headers['set-cookie']).to.equal(undefined);
          expect(res.body.name).to.equal('SessionError');
          expect(res.body.message).to.match(/4096/).and.match(/bytes/);
          expect(res.text).to.not.contain('xxxxxxxx');
        });

        it('fails the request with a 500 JSON error naming the problem, and no Set-Cookie, far over the limit', async () => {
          const res = await request(serve({}, major)).get('/cookie/big?size=5000').expect(500);
          expect(res.headers['content-type']).to.match(/^application\/json/);
          expect(res.headers['set-cookie']).to.equal(undefined);
          expect(res.body.name).to.equal('SessionError');
          expect(res.body.message).to.match(/4096/).and.match(/bytes/);
          expect(res.text).to.not.contain('xxxxxxxx');
        });
      });
    }
  });

  describe('key rotation', () => {
    let signedByOld: string;

    beforeEach(async () => {
      signedByOld = await new CookieBackend({ secretKey: OLD_SECRET, purpose: COOKIE_PURPOSE }).write(
        { count: 5 },
        undefined,
        ctxAt(now),
      );
    });

    it('accepts a value signed by an older key and asks for it to be re-signed', async () => {
      const rotated = new CookieBackend({ secretKey: [NEW_SECRET, OLD_SECRET], purpose: COOKIE_PURPOSE });
      const ctx = ctxAt(now);
      const record = await rotated.read(signedByOld, ctx);
      expect(record).to.deep.equal({ count: 5 });
      expect(isMarkedForRewrite(record)).to.equal(true);
    });

    it('does not ask to re-sign a value signed by the newest key', async () => {
      const rotated = new CookieBackend({ secretKey: [NEW_SECRET, OLD_SECRET], purpose: COOKIE_PURPOSE });
      const current = await rotated.write({ count: 5 }, undefined, ctxAt(now));
      const ctx = ctxAt(now);
      const record = await rotated.read(current, ctx);
      expect(record).to.deep.equal({ count: 5 });
      expect(isMarkedForRewrite(record)).to.equal(false);
    });

    it('signs with the first key only', async () => {
      const value = await new CookieBackend({ secretKey: [NEW_SECRET, OLD_SECRET], purpose: COOKIE_PURPOSE }).write(
        { count: 5 },
        undefined,
        ctxAt(now),
      );
      expect(
        await new CookieBackend({ secretKey: NEW_SECRET, purpose: COOKIE_PURPOSE }).read(value, ctxAt(now)),
      ).to.deep.equal({ count: 5 });
      expectNoSession(
        await new CookieBackend({ secretKey: OLD_SECRET, purpose: COOKIE_PURPOSE }).read(value, ctxAt(now)),
        'read() by the old key',
      );
    });

    it('re-signs an old-key cookie with the newest key on a request that changes nothing', async () => {
      const app = serve({ secretKey: [NEW_SECRET, OLD_SECRET] });
      const res = await request(app).get('/cookie/peek').set('Cookie', `session=${signedByOld}`).expect(200);
      expect(res.body).to.deep.equal({ count: 5 });
      const resigned = sessionCookie(res);
      expect(resigned, 'a Set-Cookie with the re-signed value').to.not.equal(undefined);
      const record = await new CookieBackend({ secretKey: NEW_SECRET, purpose: COOKIE_PURPOSE }).read(
        resigned!.value,
        ctxAt(now),
      );
      expect(record).to.include({ count: 5 });
      expectNoSession(
        await new CookieBackend({ secretKey: OLD_SECRET, purpose: COOKIE_PURPOSE }).read(resigned!.value, ctxAt(now)),
        'old key',
      );

      const again = await request(app).get('/cookie/peek').set('Cookie', cookieHeader(res)).expect(200);
      expect(again.body).to.deep.equal({ count: 5 });
      expect(again.headers['set-cookie'], 'no second re-sign').to.equal(undefined);
    });

    it('rejects a value signed by a key that was removed', async () => {
      expectNoSession(
        await new CookieBackend({ secretKey: NEW_SECRET, purpose: COOKIE_PURPOSE }).read(signedByOld, ctxAt(now)),
        'read()',
      );
      const res = await request(serve({ secretKey: NEW_SECRET }))
        .get('/cookie/count')
        .set('Cookie', `session=${signedByOld}`)
        .expect(200);
      expect(res.body).to.deep.equal({ count: 1 });
    });
  });

  describe('purpose binding', () => {
    const foreign: ReadonlyArray<[string, (now: number) => string]> = [
      [
        'signed with the same secret for another purpose',
        at => forge('{"count":5}', at, { purpose: 'some-other-feature/v1' }),
      ],
      [
        'signed with a plain HMAC of the raw secret',
        at => {
          const signed = `${Buffer.from('{"count":5}').toString('base64url')}.${at}`;
          return `${signed}.${hmac(SECRET, signed)}`;
        },
      ],
    ];

    for (const [title, build] of foreign) {
      it(`rejects a value ${title}, directly and over HTTP`, async () => {
        const value = build(now);
        expectNoSession(await backend.read(value, ctxAt(now)), 'read()');
        const res = await request(serve()).get('/cookie/count').set('Cookie', `session=${value}`).expect(200);
        expect(res.body).to.deep.equal({ count: 1 });
      });
    }
  });

  describe('signature age', () => {
    it('accepts a value exactly maxAge old and rejects it one second later', async () => {
      const limited = new CookieBackend({ secretKey: SECRET, maxAge: 100, purpose: COOKIE_PURPOSE });
      const value = await limited.write({ count: 5 }, undefined, ctxAt(now));
      expect(await limited.read(value, ctxAt(now + 100))).to.deep.equal({ count: 5 });
      expectNoSession(await limited.read(value, ctxAt(now + 101)), 'read() at maxAge + 1');
      expect(await limited.exists(value, ctxAt(now + 101))).to.equal(false);
    });

    it('takes ctx.lifetime as maxAge when none is given', async () => {
      expect(await backend.read(valid, ctxAt(now + 500, 500))).to.deep.equal({ count: 5 });
      expectNoSession(await backend.read(valid, ctxAt(now + 501, 500)), 'read() at lifetime + 1');
    });

    it('accepts a timestamp up to 60 seconds in the future and rejects one further ahead', async () => {
      expect(await backend.read(forge('{"count":5}', now + 60), ctxAt(now))).to.deep.equal({ count: 5 });
      expectNoSession(
        await backend.read(forge('{"count":5}', now + 61), ctxAt(now)),
        'read() of a timestamp 61 s ahead',
      );
    });

    it('over HTTP, follows the clock option: valid at maxAge, expired one second later', async () => {
      const app = serve({ backend: new CookieBackend({ secretKey: SECRET, maxAge: 100, purpose: COOKIE_PURPOSE }) });
      const first = await request(app).get('/cookie/count').expect(200);
      const cookie = cookieHeader(first);
      clock.advance(100);
      const atLimit = await request(app).get('/cookie/peek').set('Cookie', cookie).expect(200);
      expect(atLimit.body).to.deep.equal({ count: 1 });
      clock.advance(1);
      const after = await request(app).get('/cookie/peek').set('Cookie', cookie).expect(200);
      expect(after.body).to.deep.equal({ count: null });
    });

    it('over HTTP, gives an empty session for a timestamp more than 60 seconds ahead', async () => {
      const app = serve();
      const ahead = await request(app)
        .get('/cookie/count')
        .set('Cookie', `session=${forge('{"count":5}', now + 61)}`)
        .expect(200);
      expect(ahead.body).to.deep.equal({ count: 1 });
      const skewed = await request(app)
        .get('/cookie/count')
        .set('Cookie', `session=${forge('{"count":5}', now + 60)}`)
        .expect(200);
      expect(skewed.body, 'within the tolerated skew').to.deep.equal({ count: 6 });
    });
  });

  describe('prototype pollution', () => {
    const payloads: ReadonlyArray<[string, string, string[]]> = [
      ['a top-level __proto__ key', '{"__proto__":{"polluted":"yes"},"a":1}', ['a']],
      ['a constructor.prototype path', '{"constructor":{"prototype":{"polluted":"yes"}},"a":1}', ['a']],
      ['a nested __proto__ key', '{"a":{"__proto__":{"polluted":"yes"}},"b":2}', ['a', 'b']],
    ];

    for (const [title, json, keys] of payloads) {
      describe(`with ${title}`, () => {
        it('reads the data without the dangerous key and leaves Object.prototype alone', async () => {
          const record = (await backend.read(forge(json, now), ctxAt(now))) as Record<string, unknown>;
          expect(Object.keys(record)).to.deep.equal(keys);
          expect(Object.getPrototypeOf(record)).to.equal(Object.prototype);
          naiveMerge({}, record);
          expect(isPolluted(), 'Object.prototype polluted').to.equal(false);
        });

        it('leaves Object.prototype alone over HTTP, even when the handler deep-merges the session', async () => {
          const res = await request(serve())
            .get('/cookie/merge')
            .set('Cookie', `session=${forge(json, now)}`)
            .expect(200);
          expect(res.body).to.deep.equal({ keys, polluted: false });
          expect(isPolluted(), 'Object.prototype polluted').to.equal(false);
        });
      });
    }
  });

  describe('option: secretKey', () => {
    const SHORT = 'short-secret-ABCDEFGHIJ';
    const bad: ReadonlyArray<[string, unknown, string[]]> = [
      ['a short string', SHORT, [SHORT]],
      ['31 characters', SECRET.slice(0, 31), [SECRET.slice(0, 31)]],
      ['an empty string', '', []],
      ['an empty array', [], []],
      ['a number', 42, []],
      ['null', null, []],
      ['undefined', undefined, []],
      ['an object', { key: SECRET }, [SECRET]],
      ['an array with a non-string', [SECRET, 42], [SECRET]],
      ['an array with a short key', [SECRET, SHORT], [SECRET, SHORT]],
    ];

    function expectInvalidOption(error: unknown, secrets: string[]): void {
      expect(error).to.be.instanceOf(SessionError);
      expect((error as SessionError).code).to.equal('INVALID_OPTION');
      expect((error as SessionError).message).to.contain('secretKey');
      for (const secret of secrets) expect((error as SessionError).message).to.not.contain(secret);
      for (const secret of secrets) expect(String((error as SessionError).stack)).to.not.contain(secret);
    }

    for (const [title, secretKey, secrets] of bad) {
      it(`rejects ${title} with SessionError INVALID_OPTION, without echoing it`, () => {
        expectInvalidOption(
          thrownBy(() => new CookieBackend({ secretKey: secretKey as string, purpose: COOKIE_PURPOSE })),
          secrets,
        );
      });
    }

    it('rejects a short key given to configureSessions() the same way', () => {
      expectInvalidOption(
        thrownBy(() => configureSessions({ secretKey: SHORT })),
        [SHORT],
      );
    });

    it('rejects a missing options object', () => {
      expectInvalidOption(
        thrownBy(() => new CookieBackend(undefined as never)),
        [],
      );
    });

    it('accepts a key of exactly 32 characters', async () => {
      const minimal = new CookieBackend({ secretKey: SECRET.slice(0, 32), purpose: COOKIE_PURPOSE });
      const value = await minimal.write({ ok: true }, undefined, ctxAt(now));
      expect(await minimal.read(value, ctxAt(now))).to.deep.equal({ ok: true });
    });
  });

  describe('option: maxAge', () => {
    for (const maxAge of [0, -1, 1.5, Number.NaN, '100' as unknown as number]) {
      it(`rejects ${String(maxAge)} (${typeof maxAge}) with SessionError INVALID_OPTION`, () => {
        const error = thrownBy(() => new CookieBackend({ secretKey: SECRET, maxAge, purpose: COOKIE_PURPOSE }));
        expect(error).to.be.instanceOf(SessionError);
        expect((error as SessionError).code).to.equal('INVALID_OPTION');
        expect((error as SessionError).message).to.contain('maxAge');
      });
    }
  });
});
