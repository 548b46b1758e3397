import { expect } from 'chai';
import type { Request } from 'express';
import { Get, JsonController, Req, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import { InMemoryBackend, SessionBackendError, SessionMiddleware, type SessionOptions } from '../../src';
import { createApp } from '../support/app';
import { cookieHeader, sessionCookie } from '../support/cookies';
import { FaultyBackend } from '../support/faulty-backend';
import { sessionApp } from '../support/session-controller';

/** A stored session and an app on a backend that can be made to fail. */
async function storedSession(options: SessionOptions = {}) {
  const backend = new FaultyBackend(new InMemoryBackend());
  const app = sessionApp({ backend, ...options });
  const cookie = cookieHeader(await request(app).post('/s/increment').expect(200));
  return { backend, app, cookie };
}

describe('option: backendTimeout', () => {
  it('fails a read that never answers with a 503 that says it timed out', async () => {
    const errors: Error[] = [];
    const { backend, app, cookie } = await storedSession({
      backendTimeout: 0.05,
      onError: error => errors.push(error),
    });
    backend.hanging.add('read');
    const res = await request(app).get('/s/read').set('Cookie', cookie).expect(503);
    expect(res.body.message).to.match(/did not answer \(read\) within 50 ms/);
    expect(res.headers['set-cookie']).to.equal(undefined);
  });

  it("fails a commit that never answers with a 503, never the handler's 200", async () => {
    const errors: Error[] = [];
    const { backend, app, cookie } = await storedSession({
      backendTimeout: 0.05,
      onError: error => errors.push(error),
    });
    backend.hanging.add('write');
    const res = await request(app).post('/s/increment').set('Cookie', cookie).expect(503);
    expect(res.body).to.not.have.property('count');
    expect(res.headers['set-cookie']).to.equal(undefined);
    expect(errors).to.have.length(1);
    expect(errors[0])
      .to.be.instanceOf(SessionBackendError)
      .and.include({ operation: 'write', timedOut: true, status: 503 });
  });

  it('lets the next request succeed once the store answers again', async () => {
    const { backend, app, cookie } = await storedSession({ backendTimeout: 0.05 });
    backend.hanging.add('read');
    await request(app).get('/s/read').set('Cookie', cookie).expect(503);
    backend.hanging.delete('read');
    const res = await request(app).post('/s/increment').set('Cookie', cookie).expect(200);
    expect(res.body).to.deep.equal({ count: 2 });
  });

  it('can be turned off with 0 (a slow store is then waited for)', async () => {
    const { backend, app, cookie } = await storedSession({ backendTimeout: 0 });
    backend.delayMs = 30;
    expect((await request(app).post('/s/increment').set('Cookie', cookie).expect(200)).body).to.deep.equal({
      count: 2,
    });
  });

  it('rejects what is not a number of seconds >= 0', () => {
    // Beyond 2^31 - 1 ms, Node's timers fire at once: such a "limit" would fail every call.
    for (const backendTimeout of [-1, Number.NaN, Infinity, '5', 3_000_000]) {
      expect(() => sessionApp({ backendTimeout: backendTimeout as number })).to.throw(/backendTimeout/);
    }
  });
});

@JsonController('/failing')
@UseBefore(SessionMiddleware)
@Service()
class CatchingController {
  /** Catches the failed load and reports what the handler still sees. */
  @Get('/catch')
  async catch(@Req() req: Request) {
    const error = await req.session.load().then(
      () => undefined,
      (caught: Error) => caught,
    );
    return { session: typeof req.session, isLoaded: req.session.isLoaded, error: error?.name ?? null };
  }
}

describe('option: onBackendFailure', () => {
  it("defaults to 'fail': a failed read answers 503", async () => {
    const { backend, app, cookie } = await storedSession();
    backend.failing.add('read');
    const res = await request(app).get('/s/read').set('Cookie', cookie).expect(503);
    expect(res.body).to.not.have.property('data');
  });

  it('leaves req.session in place when the load fails, and the load can be retried', async () => {
    const backend = new FaultyBackend(new InMemoryBackend());
    const app = createApp([CatchingController], { backend });
    backend.failing.add('read');
    const res = await request(app).get('/failing/catch').set('Cookie', 'session=abc').expect(200);
    expect(res.body).to.deep.equal({ session: 'object', isLoaded: false, error: 'SessionBackendError' });
  });

  describe("'degrade'", () => {
    it('gives an empty, anonymous session flagged as degraded, and keeps the cookie', async () => {
      const { backend, app, cookie } = await storedSession({ onBackendFailure: 'degrade' });
      backend.failing.add('read');
      const res = await request(app).get('/s/read').set('Cookie', cookie).expect(200);
      expect(res.body).to.deep.equal({ data: {}, id: null });
      expect(res.headers['set-cookie'], 'the real session stays in the browser').to.equal(undefined);
      const meta = await request(app).get('/s/meta').set('Cookie', cookie).expect(200);
      expect(meta.body.degraded).to.equal(true);
    });

    it('degrades a read that times out too', async () => {
      const { backend, app, cookie } = await storedSession({ onBackendFailure: 'degrade', backendTimeout: 0.05 });
      backend.hanging.add('read');
      expect((await request(app).get('/s/meta').set('Cookie', cookie).expect(200)).body.degraded).to.equal(true);
    });

    it('answers 503 when the handler changes the degraded session: nothing could be saved', async () => {
      const { backend, app, cookie } = await storedSession({ onBackendFailure: 'degrade' });
      backend.failing.add('read');
      const res = await request(app).post('/s/increment').set('Cookie', cookie).expect(503);
      expect(res.body).to.not.have.property('count');
      expect(backend.count('write'), 'the empty session never overwrites the real one').to.equal(1);
    });

    for (const route of ['/s/destroy', '/s/regenerate']) {
      it(`answers 503 for ${route.slice(3)}(): a logout or login must not look done`, async () => {
        const { backend, app, cookie } = await storedSession({ onBackendFailure: 'degrade' });
        backend.failing.add('read');
        const res = await request(app).post(route).set('Cookie', cookie).expect(503);
        expect(res.headers['set-cookie']).to.equal(undefined);
        backend.failing.delete('read');
        expect((await request(app).get('/s/read').set('Cookie', cookie).expect(200)).body.data).to.deep.equal({
          count: 1,
        });
      });
    }

    it('still fails a write that fails', async () => {
      const { backend, app, cookie } = await storedSession({ onBackendFailure: 'degrade' });
      backend.failing.add('write');
      await request(app).post('/s/increment').set('Cookie', cookie).expect(503);
    });

    it('is not degraded when the store works', async () => {
      const { app, cookie } = await storedSession({ onBackendFailure: 'degrade' });
      const meta = await request(app).get('/s/meta').set('Cookie', cookie).expect(200);
      expect(meta.body.degraded).to.equal(false);
    });

    it('rejects other values', () => {
      expect(() => sessionApp({ onBackendFailure: 'ignore' as 'fail' })).to.throw(/onBackendFailure/);
    });
  });
});

describe('a new session on a failing store', () => {
  it('answers 503 rather than a cookie for data that was never stored', async () => {
    const backend = new FaultyBackend(new InMemoryBackend());
    backend.failing.add('write');
    const res = await request(sessionApp({ backend })).post('/s/increment').expect(503);
    expect(sessionCookie(res)).to.equal(undefined);
  });
});
