/**
 * Session locking (`load({ lock: true })`, `@LockSession()`) on every backend that can lock, and what the others
 * answer. The Redis lease across a killed process is in spec/backends/redis-lock.spec.ts.
 */
import { expect } from 'chai';
import type { Request } from 'express';
import { JsonController, Post, Req, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import {
  type BackendContext,
  CookieBackend,
  InMemoryBackend,
  LockSession,
  type SessionEvent,
  type SessionLockRequest,
  SessionMiddleware,
} from '../../src';
import { FakeClock } from '../support/clock';
import { describeLockConformance } from '../conformance/lock-conformance';
import { SECRET, createApp } from '../support/app';
import { cookieHeader } from '../support/cookies';

@JsonController('/locks')
@UseBefore(SessionMiddleware)
@Service()
class LockMisuseController {
  @Post('/start')
  async start(@Req() req: Request) {
    await req.session.load();
    req.session.n = 1;
    return {};
  }

  @Post('/locked')
  @LockSession()
  locked(@Req() req: Request) {
    req.session.n = (req.session.n as number) + 1;
    return { n: req.session.n };
  }

  /** A locked load that fails is tried again without the lock option. */
  @Post('/retry')
  async retry(@Req() req: Request) {
    try {
      await req.session.load({ lock: true });
    } catch {
      await req.session.load();
    }
    req.session.n = (req.session.n as number) + 1;
    return { n: req.session.n };
  }

  /** Asks for the lock until it is had. */
  @Post('/persist')
  async persist(@Req() req: Request) {
    for (;;) {
      try {
        await req.session.load({ lock: true });
        break;
      } catch {
        // LOCK_TIMEOUT: try again.
      }
    }
    req.session.n = (req.session.n as number) + 1;
    return { n: req.session.n };
  }

  @Post('/late-read')
  async lateRead(@Req() req: Request) {
    await req.session.load();
    return { n: req.session.n };
  }

  /** Changes the session, then asks for the lock. */
  @Post('/late')
  async late(@Req() req: Request) {
    await req.session.load();
    req.session.n = 5;
    await req.session.load({ lock: true });
    return {};
  }
}

/** Fails the next read once, when told to. */
class FlakyReadBackend extends InMemoryBackend {
  failNextRead = false;

  override async read(sessionId: string, ctx?: BackendContext) {
    if (this.failNextRead) {
      this.failNextRead = false;
      throw new Error('flaky read');
    }
    return super.read(sessionId, ctx);
  }
}

/** Takes its locks `delayMs` late. */
class SlowLockBackend extends InMemoryBackend {
  constructor(private readonly delayMs: number) {
    super();
  }

  override async acquireLock(sessionId: string, request: SessionLockRequest) {
    await new Promise(resolve => setTimeout(resolve, this.delayMs));
    return super.acquireLock(sessionId, request);
  }
}

@JsonController('/unsessioned')
@Service()
class NoSessionController {
  @Post('/locked')
  @LockSession()
  locked() {
    return {};
  }
}

/** Written the wrong way round: the lock's middleware would run before the session's. */
@JsonController('/unsessioned')
@UseBefore(SessionMiddleware)
@LockSession()
@Service()
class LockBelowSessionController {
  @Post('/locked')
  locked() {
    return {};
  }
}

@JsonController('/all-locked')
@LockSession()
@UseBefore(SessionMiddleware)
@Service()
class LockedController {
  @Post('/count')
  async count(@Req() req: Request) {
    const n = (req.session.n as number | undefined) ?? 0;
    await new Promise(resolve => setTimeout(resolve, 1));
    req.session.n = n + 1;
    return { n: req.session.n };
  }
}

describe('session locking', () => {
  describeLockConformance('InMemoryBackend', () => new InMemoryBackend());

  it('refuses on the cookie backends, which cannot lock: LOCK_UNSUPPORTED', async () => {
    const app = createApp([LockMisuseController], { backend: new CookieBackend({ secretKey: SECRET }) });
    const cookie = cookieHeader(await request(app).post('/locks/start').expect(200));
    const res = await request(app).post('/locks/locked').set('Cookie', cookie).expect(500);
    expect(res.body).to.include({ code: 'LOCK_UNSUPPORTED' });
    expect(res.body.message).to.match(/CookieBackend cannot lock sessions/);
  });

  it('answers MIDDLEWARE_MISSING as JSON where SessionMiddleware does not run first, saying where it goes', async () => {
    for (const controller of [NoSessionController, LockBelowSessionController]) {
      const app = createApp([controller], { backend: new InMemoryBackend() });
      const res = await request(app).post('/unsessioned/locked').expect(500);
      expect(res.body).to.include({ code: 'MIDDLEWARE_MISSING' });
      expect(res.body.message).to.match(/write @LockSession\(\) above it/);
    }
  });

  it('locks every action of a controller with @LockSession() above @UseBefore(SessionMiddleware)', async () => {
    const app = createApp([LockedController], { backend: new InMemoryBackend() });
    const cookie = cookieHeader(await request(app).post('/all-locked/count').expect(200));
    await Promise.all(
      Array.from({ length: 20 }, () => request(app).post('/all-locked/count').set('Cookie', cookie).expect(200)),
    );
    expect((await request(app).post('/all-locked/count').set('Cookie', cookie).expect(200)).body.n).to.equal(22);
  });

  it('refuses on the cookie backends from a session’s first request on', async () => {
    const app = createApp([LockMisuseController], { backend: new CookieBackend({ secretKey: SECRET }) });
    const res = await request(app).post('/locks/locked').expect(500);
    expect(res.body).to.include({ code: 'LOCK_UNSUPPORTED' });
  });

  it('keeps the lock a failed load took: a retried load does not wait for itself', async () => {
    const backend = new FlakyReadBackend();
    const app = createApp([LockMisuseController], { backend, lockTimeout: 0.3 });
    const cookie = cookieHeader(await request(app).post('/locks/start').expect(200));
    backend.failNextRead = true;
    expect((await request(app).post('/locks/retry').set('Cookie', cookie).expect(200)).body.n).to.equal(2);
    // And it released it at the commit.
    expect(await backend.acquireLock(cookie.slice('session='.length), { lease: 1000, wait: 0 })).to.be.a('string');
  });

  it('tries again after a lock timeout, rather than going on without the lock', async () => {
    const backend = new InMemoryBackend();
    const app = createApp([LockMisuseController], { backend, lockTimeout: 0.05, autoload: true });
    const cookie = cookieHeader(await request(app).post('/locks/start').expect(200));
    const id = cookie.slice('session='.length);
    const token = await backend.acquireLock(id, { lease: 5000, wait: 0 });
    const persisting = Promise.resolve(request(app).post('/locks/persist').set('Cookie', cookie).expect(200));
    await new Promise(resolve => setTimeout(resolve, 200));
    // Still waiting for the lock: it has not counted.
    expect((await request(app).post('/locks/late-read').set('Cookie', cookie).expect(200)).body.n).to.equal(1);
    await backend.releaseLock(id, token!);
    expect((await persisting).body.n).to.equal(2);
  });

  it('releases a lock the backend took after the request gave up on it', async () => {
    const backend = new SlowLockBackend(150);
    const app = createApp([LockMisuseController], { backend, lockTimeout: 0.02, backendTimeout: 0.02 });
    const cookie = cookieHeader(await request(app).post('/locks/start').expect(200));
    const res = await request(app).post('/locks/locked').set('Cookie', cookie).expect(503);
    expect(res.body.code).to.equal('BACKEND_FAILURE');
    await new Promise(resolve => setTimeout(resolve, 250));
    // Taken late, then released: free again long before its 30-second lease.
    expect(await backend.acquireLock(cookie.slice('session='.length), { lease: 1000, wait: 0 })).to.be.a('string');
  });

  it('locks the new id of a renewed session for a request that still carries the old one', async () => {
    const clock = new FakeClock(Date.now());
    const backend = new InMemoryBackend();
    const app = createApp([LockMisuseController], { backend, clock: clock.now, renewAfter: 60, lockTimeout: 0.2 });
    const old = cookieHeader(await request(app).post('/locks/start').expect(200));
    clock.advance(60);
    const renewed = cookieHeader(await request(app).post('/locks/locked').set('Cookie', old).expect(200));
    expect(renewed).to.not.equal(old);
    // Another request holds the new id's lock: one that comes with the old id within the grace period waits for it.
    const token = await backend.acquireLock(renewed.slice('session='.length), { lease: 5000, wait: 0 });
    const res = await request(app).post('/locks/locked').set('Cookie', old).expect(503);
    expect(res.body.code).to.equal('LOCK_TIMEOUT');
    await backend.releaseLock(renewed.slice('session='.length), token!);
    expect((await request(app).post('/locks/locked').set('Cookie', old).expect(200)).body.n).to.equal(3);
  });

  it('tells loaded once when autoload loaded the session before the lock', async () => {
    const events: SessionEvent[] = [];
    const app = createApp([LockMisuseController], {
      backend: new InMemoryBackend(),
      autoload: true,
      onEvent: event => events.push(event),
    });
    const cookie = cookieHeader(await request(app).post('/locks/start').expect(200));
    events.splice(0);
    await request(app).post('/locks/locked').set('Cookie', cookie).expect(200);
    expect(events.map(event => event.type)).to.deep.equal(['loaded']);
  });

  it('refuses a lock asked for after the session changed: LOCKED_TOO_LATE, nothing stored', async () => {
    const app = createApp([LockMisuseController], { backend: new InMemoryBackend() });
    const cookie = cookieHeader(await request(app).post('/locks/start').expect(200));
    const res = await request(app).post('/locks/late').set('Cookie', cookie).expect(500);
    expect(res.body).to.include({ code: 'LOCKED_TOO_LATE' });
    expect((await request(app).post('/locks/locked').set('Cookie', cookie).expect(200)).body.n).to.equal(2);
  });

  it('reads the session again under the lock when autoload loaded it first', async () => {
    const app = createApp([LockMisuseController], { backend: new InMemoryBackend(), autoload: true });
    const cookie = cookieHeader(await request(app).post('/locks/start').expect(200));
    await Promise.all(
      Array.from({ length: 20 }, () => request(app).post('/locks/locked').set('Cookie', cookie).expect(200)),
    );
    expect((await request(app).post('/locks/locked').set('Cookie', cookie).expect(200)).body.n).to.equal(22);
  });
});
