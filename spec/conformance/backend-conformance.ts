/**
 * The backend conformance suite: one set of specs that every `SessionBackend` runs, the built-in ones, a user's
 * custom one, Redis, PostgreSQL and SQLite.
 *
 * It checks the contract twice: by calling the methods (and `generateId()`) directly, with the cases the package
 * ships in `routing-controllers-sessions/testing` (src/testing/conformance/), and through the real middleware on real
 * HTTP requests, here. What a backend cannot do by design is declared in {@link BackendCapabilities}; the matching
 * specs then show up as pending, with the reason in their title, instead of silently vanishing.
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
import { type BackendContext, type SessionBackend, SessionMiddleware, type SessionOptions } from '../../src';
import {
  type BackendCapabilities,
  type BackendConformanceHooks,
  type ConformanceCase,
  backendConformanceCases,
} from '../../src/testing';
import { resolveCapabilities } from '../../src/testing/conformance/capabilities';
import { contextAt, offerIdFirst } from '../../src/testing/conformance/fixtures';
import { createApp } from '../support/app';
import { FakeClock } from '../support/clock';
import { cookieHeader, isCleared, sessionCookie } from '../support/cookies';
import { FaultyBackend } from '../support/faulty-backend';

/** Optional set-up around each spec: the shipped suite's hooks, and options for the specs through the middleware. */
export interface ConformanceHooks extends BackendConformanceHooks {
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

/** Registers the shipped cases as mocha specs, one `describe` per method; ruled-out cases pending, with why. */
function registerCases(cases: readonly ConformanceCase[]): void {
  const groups = new Map<string | undefined, ConformanceCase[]>();
  for (const testCase of cases) groups.set(testCase.group, [...(groups.get(testCase.group) ?? []), testCase]);
  for (const [group, members] of groups) {
    const register = () => {
      for (const testCase of members) itWhen(testCase.skip === undefined, testCase.skip!, testCase.name, testCase.run);
    };
    if (group === undefined) register();
    else describe(group, register);
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
  const { revocable, serverSideIds, createsOnlyIfAbsent } = resolveCapabilities(capabilities);

  describe(`${name} conformance`, () => {
    describe('the SessionBackend contract', () => {
      registerCases(backendConformanceCases(factory, capabilities, hooks));
    });

    describe('through SessionMiddleware', () => {
      let backend: SessionBackend;
      let clock: FakeClock;

      beforeEach(async () => {
        backend = await factory();
        clock = new FakeClock();
      });

      afterEach(async () => {
        if (backend !== undefined) await hooks.dispose?.(backend);
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
        return contextAt(clock.seconds);
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
          const restore = offerIdFirst(backend, sessionCookie(first)!.value);
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
          const restore = offerIdFirst(backend, sessionCookie(other)!.value);
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
