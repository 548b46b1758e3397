/**
 * The backend conformance suite: one set of specs that every `SessionBackend` runs, the built-in ones, a user's
 * custom one, and later Redis or PostgreSQL backends.
 *
 * It checks the contract twice: by calling the four methods (and `generateId()`) directly, and through the real
 * middleware on real HTTP requests. What a backend cannot do by design is declared in {@link BackendCapabilities};
 * the matching specs then show up as pending, with the reason in their title, instead of silently vanishing.
 *
 * @example
 * describeBackendConformance('RedisBackend', () => new RedisBackend({ client }), { revocable: true });
 */
import { expect } from 'chai';
import type { Request } from 'express';
import { Get, InternalServerError, JsonController, Post, Req, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import { IsArray, IsInt, IsOptional } from 'class-validator';
import {
  type BackendContext,
  type SessionBackend,
  type SessionData,
  SessionMiddleware,
  type SessionOptions,
} from '../../src';
import { createApp } from '../support/app';
import { FakeClock } from '../support/clock';
import { cookieHeader, isCleared, sessionCookie } from '../support/cookies';
import { FaultyBackend } from '../support/faulty-backend';
import { expectNoSession } from '../support/checks';

/** What a backend can do; a `false` turns the specs that need it into visibly pending ones. */
export interface BackendCapabilities {
  /** `remove()` really ends a session: the id (or cookie) no longer loads its data. False for cookie backends. */
  revocable: boolean;
  /**
   * Ids are random keys of server-side records: `write()` without an id mints a fresh one each time, and
   * `write(data, id)` stores under `id`. False when the "id" is the data itself (a signed cookie).
   * @default the value of `revocable`
   */
  serverSideIds?: boolean;
  /**
   * `read()` hands out a copy, never the object given to `write()`. False for a naive user backend that keeps the
   * object (the README's Map example); the middleware must cope with such a backend, which the HTTP specs check.
   * @default true
   */
  copiesData?: boolean;
  /**
   * The backend expires records itself after `ctx.ttl` seconds, measured on `ctx.now`. False for backends that
   * ignore `ctx` (the middleware still ends the session from its metadata, which the HTTP specs check).
   * @default true
   */
  honoursTtl?: boolean;
  /**
   * A new record (`ctx.isNew`) never replaces a stored one: under a taken id the backend creates under another one
   * from `generateId()`. False for a naive user backend that ignores `ctx`.
   * @default the value of `serverSideIds`
   */
  createsOnlyIfAbsent?: boolean;
}

/** Optional set-up around each spec, for backends that hold connections. */
export interface ConformanceHooks {
  /** Runs after every spec with the backend it used: close clients, drop test keys. */
  dispose?: (backend: SessionBackend) => void | Promise<void>;
  /** More session options for the specs through the middleware, e.g. a `schema` (see {@link ConformanceSession}). */
  sessionOptions?: SessionOptions;
}

/** A schema for the data the suite's controller keeps, to run the suite with `schema` configured. */
export class ConformanceSession {
  @IsOptional()
  @IsInt()
  count?: number;

  @IsOptional()
  @IsArray()
  @IsInt({ each: true })
  history?: number[];
}

/** RFC 6265 §4.1.1 cookie-octets: visible ASCII except space, DQUOTE, comma, semicolon and backslash. */
const COOKIE_OCTETS = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+$/;
/** Fewest characters that can carry 128 bits when every character is one of the 90 cookie-octets. */
const MIN_ID_CHARS = Math.ceil(128 / Math.log2(90));
/** A fixed origin for direct calls, in unix seconds: the present, so calls that omit `ctx` agree with it. */
const NOW = Math.floor(Date.now() / 1000);
const LIFETIME = 3600;

/** Data that exercises JSON: nesting, arrays, unicode, cookie-hostile characters, and the library's metadata key. */
const SAMPLE: SessionData = {
  userId: 7,
  user: { name: 'Zoë', roles: ['admin', 'editor'], address: { city: 'Kraków' } },
  cart: [
    { sku: 'a-1', qty: 2 },
    { sku: 'b;2', qty: 1 },
  ],
  ratio: 1.5,
  flag: false,
  nothing: null,
  text: 'quote " comma , semicolon ; backslash \\ emoji ✓',
  __session: { created: NOW, expires: NOW + LIFETIME },
};

/** Ids that no backend may choke on: empty, hostile to cookies, paths, prototypes and sizes. */
const MALFORMED_IDS = [
  '',
  ' ',
  'a b',
  'a;b=c',
  '"quoted"',
  '../../etc/passwd',
  'nul\u0000byte',
  'ünïcödé',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'x'.repeat(10_000),
];

function ctxAt(now: number, ttl = LIFETIME): BackendContext {
  return { now, lifetime: LIFETIME, ttl };
}

/** Bits an id format can carry, estimated from many ids: shortest length times log2 of the alphabet they use. */
function estimatedBits(ids: readonly string[]): number {
  const alphabet = new Set(ids.join(''));
  const shortest = ids.reduce((min, id) => Math.min(min, id.length), Infinity);
  return shortest * Math.log2(alphabet.size);
}

/** Makes `backend.generateId()` return `id` once, then fresh ids again; returns what undoes it. */
function offerFirst(backend: SessionBackend, id: string): () => void {
  const own = Object.getOwnPropertyDescriptor(backend, 'generateId');
  const generate = backend.generateId.bind(backend);
  let offered = false;
  backend.generateId = () => {
    if (offered) return generate();
    offered = true;
    return id;
  };
  return () => {
    if (own) Object.defineProperty(backend, 'generateId', own);
    else delete (backend as { generateId?: unknown }).generateId;
  };
}

/** Registers a spec, or, when the backend cannot do what it checks, a pending spec whose title says why. */
function itWhen(supported: boolean, reason: string, title: string, spec: () => Promise<void>): void {
  if (supported) it(title, spec);
  else it(`${title} [pending: ${reason}]`);
}

@JsonController('/conformance')
@UseBefore(SessionMiddleware)
@Service()
class ConformanceController {
  @Get('/count')
  async count(@Req() req: Request) {
    await req.session.load();
    const count = ((req.session.count as number | undefined) ?? 0) + 1;
    req.session.count = count;
    req.session.history = [...((req.session.history as number[] | undefined) ?? []), count];
    return { count };
  }

  @Get('/peek')
  async peek(@Req() req: Request) {
    await req.session.load();
    return { count: req.session.count ?? null, history: req.session.history ?? null };
  }

  @Get('/untouched')
  untouched() {
    return { ok: true };
  }

  /** Changes the session in place, then fails: nothing of it may reach the store. */
  @Get('/fail')
  async fail(@Req() req: Request) {
    await req.session.load();
    (req.session.history as number[]).push(99);
    req.session.count = 99;
    throw new InternalServerError('deliberate failure');
  }

  @Post('/destroy')
  async destroy(@Req() req: Request) {
    await req.session.destroy();
    return { ok: true };
  }

  @Post('/regenerate')
  async regenerate(@Req() req: Request) {
    await req.session.regenerate();
    return { count: req.session.count ?? null };
  }
}

/**
 * Declares the conformance specs for one backend. `factory` is called for every spec, so each starts empty.
 */
export function describeBackendConformance(
  name: string,
  factory: () => SessionBackend | Promise<SessionBackend>,
  capabilities: BackendCapabilities,
  hooks: ConformanceHooks = {},
): void {
  const revocable = capabilities.revocable;
  const serverSideIds = capabilities.serverSideIds ?? capabilities.revocable;
  const copiesData = capabilities.copiesData ?? true;
  const honoursTtl = capabilities.honoursTtl ?? true;
  const createsOnlyIfAbsent = capabilities.createsOnlyIfAbsent ?? serverSideIds;

  describe(`${name} conformance`, () => {
    let backend: SessionBackend;

    beforeEach(async () => {
      backend = await factory();
    });

    afterEach(async () => {
      if (backend !== undefined) await hooks.dispose?.(backend);
    });

    describe('the SessionBackend contract', () => {
      it('declares revocable as its capabilities say', () => {
        expect(backend.revocable, 'backend.revocable').to.equal(revocable);
      });

      describe('write()', () => {
        it('creates a session when given no id, and returns a cookie-safe id for it', async () => {
          const id = await backend.write(SAMPLE, undefined, ctxAt(NOW));
          expect(id).to.be.a('string').and.match(COOKIE_OCTETS);
          expect(id.length).to.be.at.least(MIN_ID_CHARS);
          expect(await backend.read(id, ctxAt(NOW))).to.deep.equal(SAMPLE);
        });

        itWhen(
          serverSideIds,
          'the id is the data itself',
          'returns a different id of at least 128 bits for every session it creates',
          async () => {
            const ids: string[] = [];
            for (let i = 0; i < 256; i++) ids.push(await backend.write({ same: true }, undefined, ctxAt(NOW)));
            expect(new Set(ids).size).to.equal(ids.length);
            expect(estimatedBits(ids)).to.be.at.least(128);
          },
        );

        itWhen(serverSideIds, 'the id is the data itself', 'stores under the id it is given', async () => {
          const id = backend.generateId();
          expect(await backend.write(SAMPLE, id, ctxAt(NOW))).to.equal(id);
          expect(await backend.read(id, ctxAt(NOW))).to.deep.equal(SAMPLE);
          expect(await backend.exists(id, ctxAt(NOW))).to.equal(true);
        });

        it('replaces the data when written again under the id it returned', async () => {
          const first = await backend.write({ step: 1, keep: 'no' }, undefined, ctxAt(NOW));
          const second = await backend.write({ step: 2 }, first, ctxAt(NOW));
          expect(await backend.read(second, ctxAt(NOW))).to.deep.equal({ step: 2 });
          if (serverSideIds) expect(second).to.equal(first);
        });

        itWhen(
          createsOnlyIfAbsent,
          'it ignores ctx.isNew',
          'never creates a new session over a stored record',
          async () => {
            const created = { ...ctxAt(NOW), isNew: true };
            const taken = await backend.write({ owner: 'a' }, undefined, created);
            // A weak generator that offers the taken id first, as a new session's and as regenerate()'s id.
            const restore = offerFirst(backend, taken);
            const minted = await backend.write({ owner: 'b' }, undefined, created);
            restore();
            const given = await backend.write({ owner: 'c' }, taken, created);
            expect(minted).to.not.equal(taken);
            expect(given).to.not.equal(taken).and.not.equal(minted);
            expect(await backend.read(taken, ctxAt(NOW))).to.deep.equal({ owner: 'a' });
            expect(await backend.read(minted, ctxAt(NOW))).to.deep.equal({ owner: 'b' });
            expect(await backend.read(given, ctxAt(NOW))).to.deep.equal({ owner: 'c' });
          },
        );

        it('works when called without a ctx', async () => {
          const id = await backend.write({ plain: 'call' });
          expect(await backend.read(id)).to.deep.equal({ plain: 'call' });
          expect(await backend.exists(id)).to.equal(true);
        });
      });

      describe('read()', () => {
        it('returns what was written, deep-equal', async () => {
          const id = await backend.write(SAMPLE, undefined, ctxAt(NOW));
          const record = await backend.read(id, ctxAt(NOW));
          expect(record).to.deep.equal(SAMPLE);
          expect((record as SessionData).__session, 'the metadata key').to.deep.equal(SAMPLE.__session);
        });

        itWhen(
          copiesData,
          'it keeps the object it is given',
          'returns a copy, not the object that was written',
          async () => {
            const data = structuredClone(SAMPLE);
            const id = await backend.write(data, undefined, ctxAt(NOW));
            const first = (await backend.read(id, ctxAt(NOW))) as SessionData;
            const second = (await backend.read(id, ctxAt(NOW))) as SessionData;
            expect(first).to.deep.equal(SAMPLE);
            expect(first).to.not.equal(data);
            expect(first.user).to.not.equal(data.user);
            expect(second).to.not.equal(first);
          },
        );

        it('finds no session under an id it never issued', async () => {
          const id = backend.generateId();
          expectNoSession(await backend.read(id, ctxAt(NOW)));
          expect(await backend.exists(id, ctxAt(NOW))).to.equal(false);
        });

        it('finds no session under a malformed id, and never throws', async () => {
          await backend.write({ other: 'session' }, undefined, ctxAt(NOW));
          for (const id of MALFORMED_IDS) {
            const label = JSON.stringify(id.slice(0, 20));
            expectNoSession(await backend.read(id, ctxAt(NOW)), `read(${label})`);
            expect(await backend.exists(id, ctxAt(NOW)), `exists(${label})`).to.equal(false);
          }
        });
      });

      describe('remove()', () => {
        itWhen(revocable, 'it cannot revoke a session', 'makes the session unreadable', async () => {
          const id = await backend.write(SAMPLE, undefined, ctxAt(NOW));
          await backend.remove(id, ctxAt(NOW));
          expectNoSession(await backend.read(id, ctxAt(NOW)));
          expect(await backend.exists(id, ctxAt(NOW))).to.equal(false);
        });

        itWhen(revocable, 'it cannot revoke a session', 'leaves other sessions alone', async () => {
          const gone = await backend.write({ n: 1 }, undefined, ctxAt(NOW));
          const kept = await backend.write({ n: 2 }, undefined, ctxAt(NOW));
          await backend.remove(gone, ctxAt(NOW));
          expect(await backend.read(kept, ctxAt(NOW))).to.deep.equal({ n: 2 });
        });

        it('succeeds for an id that does not exist, and when called twice', async () => {
          await backend.remove(backend.generateId(), ctxAt(NOW));
          const id = await backend.write({ n: 1 }, undefined, ctxAt(NOW));
          await backend.remove(id, ctxAt(NOW));
          await backend.remove(id, ctxAt(NOW));
          if (revocable) expect(await backend.exists(id, ctxAt(NOW))).to.equal(false);
        });
      });

      describe('exists()', () => {
        it('is true for a written session and false for an unknown one', async () => {
          const id = await backend.write({ n: 1 }, undefined, ctxAt(NOW));
          expect(await backend.exists(id, ctxAt(NOW))).to.equal(true);
          expect(await backend.exists(backend.generateId(), ctxAt(NOW))).to.equal(false);
        });
      });

      describe('ctx.ttl', () => {
        itWhen(
          honoursTtl,
          'it does not expire records itself',
          'keeps a record until now + ttl, and drops it then',
          async () => {
            const id = await backend.write({ n: 1 }, undefined, ctxAt(NOW, 60));
            expect(await backend.read(id, ctxAt(NOW + 59)), 'one second before').to.deep.equal({ n: 1 });
            expect(await backend.exists(id, ctxAt(NOW + 59))).to.equal(true);
            expectNoSession(await backend.read(id, ctxAt(NOW + 60)), 'at now + ttl');
            expect(await backend.exists(id, ctxAt(NOW + 60))).to.equal(false);
          },
        );

        itWhen(honoursTtl, 'it does not expire records itself', 'counts the ttl from the latest write', async () => {
          const id = await backend.write({ n: 1 }, undefined, ctxAt(NOW, 60));
          const again = await backend.write({ n: 2 }, id, ctxAt(NOW + 50, 60));
          expect(await backend.read(again, ctxAt(NOW + 100))).to.deep.equal({ n: 2 });
          expectNoSession(await backend.read(again, ctxAt(NOW + 110)), 'at the new now + ttl');
        });
      });

      describe('generateId()', () => {
        it('returns unique cookie-safe ids of at least 128 bits', () => {
          const ids: string[] = [];
          for (let i = 0; i < 10_000; i++) ids.push(backend.generateId());
          expect(new Set(ids).size).to.equal(ids.length);
          for (const id of ids) expect(id).to.match(COOKIE_OCTETS);
          expect(estimatedBits(ids)).to.be.at.least(128);
        });
      });
    });

    describe('through SessionMiddleware', () => {
      let clock: FakeClock;

      beforeEach(() => {
        clock = new FakeClock();
      });

      function serve(sessionBackend: SessionBackend = backend, lifetime?: number) {
        return createApp([ConformanceController], {
          ...hooks.sessionOptions,
          backend: sessionBackend,
          clock: clock.now,
          ...(lifetime ? { lifetime } : {}),
        });
      }

      /** The context the middleware would pass now, for checking the store directly. */
      function ctxNow(): BackendContext {
        return ctxAt(clock.seconds);
      }

      it('keeps a counter across requests', async () => {
        const app = serve();
        let cookie = '';
        for (const expected of [1, 2, 3]) {
          const res = await request(app).get('/conformance/count').set('Cookie', cookie).expect(200);
          expect(res.body).to.deep.equal({ count: expected });
          if (sessionCookie(res) !== undefined) cookie = cookieHeader(res);
          expect(cookie, 'the first response sets the cookie').to.not.equal('');
        }
        const peek = await request(app).get('/conformance/peek').set('Cookie', cookie).expect(200);
        expect(peek.body).to.deep.equal({ count: 3, history: [1, 2, 3] });
      });

      it('writes nothing and sends no Set-Cookie for a request that only reads', async () => {
        const recording = new FaultyBackend(backend);
        const app = serve(recording);
        const first = await request(app).get('/conformance/count').expect(200);
        const writes = recording.count('write');
        expect(writes, 'the first request writes').to.equal(1);

        const res = await request(app).get('/conformance/peek').set('Cookie', cookieHeader(first)).expect(200);
        expect(res.body).to.deep.equal({ count: 1, history: [1] });
        expect(res.headers['set-cookie']).to.equal(undefined);
        expect(recording.count('write')).to.equal(writes);
        expect(recording.count('remove')).to.equal(0);
      });

      it('writes nothing and sends no Set-Cookie for a new visitor who only reads', async () => {
        const recording = new FaultyBackend(backend);
        const app = serve(recording);
        const res = await request(app).get('/conformance/peek').expect(200);
        expect(res.body).to.deep.equal({ count: null, history: null });
        expect(res.headers['set-cookie']).to.equal(undefined);
        expect(recording.calls).to.deep.equal([]);
      });

      it('does not touch the store for a request that never loads the session', async () => {
        const recording = new FaultyBackend(backend);
        const app = serve(recording);
        const first = await request(app).get('/conformance/count').expect(200);
        const before = recording.calls.length;
        const res = await request(app).get('/conformance/untouched').set('Cookie', cookieHeader(first)).expect(200);
        expect(res.headers['set-cookie']).to.equal(undefined);
        expect(recording.calls.length).to.equal(before);
      });

      it('calls the store exactly: nothing untouched, one read read-only, one read and one write on a change', async () => {
        const recording = new FaultyBackend(backend);
        const app = serve(recording);
        const cookie = cookieHeader(await request(app).get('/conformance/count').expect(200));
        const callsOf = async (path: string) => {
          const before = recording.calls.length;
          await request(app).get(path).set('Cookie', cookie).expect(200);
          return recording.calls.slice(before).map(call => call.operation);
        };
        expect(await callsOf('/conformance/untouched'), 'untouched').to.deep.equal([]);
        expect(await callsOf('/conformance/peek'), 'read-only').to.deep.equal(['read']);
        expect(await callsOf('/conformance/count'), 'a change').to.deep.equal(['read', 'write']);
      });

      it('keeps in-place changes of a request that fails with a 5xx out of the store', async () => {
        const app = serve();
        const first = await request(app).get('/conformance/count').expect(200);
        const cookie = cookieHeader(first);
        await request(app).get('/conformance/fail').set('Cookie', cookie).expect(500);
        const res = await request(app).get('/conformance/peek').set('Cookie', cookie).expect(200);
        expect(res.body).to.deep.equal({ count: 1, history: [1] });
      });

      it('clears the cookie on destroy', async () => {
        const app = serve();
        const first = await request(app).get('/conformance/count').expect(200);
        const res = await request(app).post('/conformance/destroy').set('Cookie', cookieHeader(first)).expect(200);
        expect(isCleared(sessionCookie(res)), 'a cleared session cookie').to.equal(true);
      });

      itWhen(
        revocable,
        'it cannot revoke a session',
        'no longer loads a destroyed session from its old cookie',
        async () => {
          const app = serve();
          const first = await request(app).get('/conformance/count').expect(200);
          const old = cookieHeader(first);
          await request(app).post('/conformance/destroy').set('Cookie', old).expect(200);
          const res = await request(app).get('/conformance/peek').set('Cookie', old).expect(200);
          expect(res.body).to.deep.equal({ count: null, history: null });
          expect(await backend.exists(sessionCookie(first)!.value, ctxNow())).to.equal(false);
        },
      );

      it('moves the data to a new cookie on regenerate', async () => {
        const app = serve();
        const first = await request(app).get('/conformance/count').expect(200);
        const res = await request(app).post('/conformance/regenerate').set('Cookie', cookieHeader(first)).expect(200);
        expect(res.body).to.deep.equal({ count: 1 });
        const renewed = sessionCookie(res);
        expect(renewed, 'a Set-Cookie on regenerate').to.not.equal(undefined);
        // A random id changes; a cookie that is the data itself may come out the same within one second.
        if (serverSideIds) expect(renewed!.value).to.not.equal(sessionCookie(first)!.value);
        const peek = await request(app).get('/conformance/peek').set('Cookie', cookieHeader(res)).expect(200);
        expect(peek.body).to.deep.equal({ count: 1, history: [1] });
      });

      itWhen(
        revocable,
        'it cannot revoke a session',
        'no longer loads the data from the cookie used before regenerate',
        async () => {
          const app = serve();
          const first = await request(app).get('/conformance/count').expect(200);
          const old = cookieHeader(first);
          await request(app).post('/conformance/regenerate').set('Cookie', old).expect(200);
          const res = await request(app).get('/conformance/peek').set('Cookie', old).expect(200);
          expect(res.body).to.deep.equal({ count: null, history: null });
          expect(await backend.exists(sessionCookie(first)!.value, ctxNow())).to.equal(false);
        },
      );

      itWhen(
        createsOnlyIfAbsent,
        'it ignores ctx.isNew',
        'gives a second visitor a session of their own when generateId() repeats an id',
        async () => {
          const app = serve();
          const first = await request(app).get('/conformance/count').expect(200);
          const restore = offerFirst(backend, sessionCookie(first)!.value);
          const second = await request(app).get('/conformance/count').expect(200);
          restore();
          expect(sessionCookie(second)!.value).to.not.equal(sessionCookie(first)!.value);
          expect(
            (await request(app).get('/conformance/count').set('Cookie', cookieHeader(first)).expect(200)).body,
          ).to.deep.equal({ count: 2 });
          expect(
            (await request(app).get('/conformance/count').set('Cookie', cookieHeader(second)).expect(200)).body,
          ).to.deep.equal({ count: 2 });
        },
      );

      itWhen(
        createsOnlyIfAbsent,
        'it ignores ctx.isNew',
        'never regenerates onto the id of another visitor',
        async () => {
          const app = serve();
          const other = await request(app).get('/conformance/count').expect(200);
          const mine = await request(app).get('/conformance/count').expect(200);
          const restore = offerFirst(backend, sessionCookie(other)!.value);
          const renewed = await request(app)
            .post('/conformance/regenerate')
            .set('Cookie', cookieHeader(mine))
            .expect(200);
          restore();
          expect(sessionCookie(renewed)!.value).to.not.equal(sessionCookie(other)!.value);
          expect(
            (await request(app).get('/conformance/count').set('Cookie', cookieHeader(other)).expect(200)).body,
          ).to.deep.equal({ count: 2 });
          expect(
            (await request(app).get('/conformance/count').set('Cookie', cookieHeader(renewed)).expect(200)).body,
          ).to.deep.equal({ count: 2 });
        },
      );

      it('does not adopt a session id invented by the client', async () => {
        const app = serve();
        const invented = backend.generateId();
        const res = await request(app).get('/conformance/count').set('Cookie', `session=${invented}`).expect(200);
        expect(res.body).to.deep.equal({ count: 1 });
        const issued = sessionCookie(res);
        expect(issued, 'a fresh session cookie').to.not.equal(undefined);
        expect(issued!.value).to.not.equal(invented);
        expect(await backend.exists(invented, ctxNow())).to.equal(false);
      });

      it('ends the session when its lifetime is over', async () => {
        const app = serve(backend, 60);
        const first = await request(app).get('/conformance/count').expect(200);
        let cookie = cookieHeader(first);
        clock.advance(59);
        const second = await request(app).get('/conformance/count').set('Cookie', cookie).expect(200);
        expect(second.body, 'one second before the end').to.deep.equal({ count: 2 });
        if (sessionCookie(second) !== undefined) cookie = cookieHeader(second);
        clock.advance(1);
        const res = await request(app).get('/conformance/peek').set('Cookie', cookie).expect(200);
        expect(res.body, 'at the end of the lifetime').to.deep.equal({ count: null, history: null });
      });
    });
  });
}
