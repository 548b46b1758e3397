/**
 * The session-lock suite: what every backend that can lock must do, through the real middleware and real requests
 * on one listening server. Parallel read-modify-write of one key counts every request when the route locks, and
 * loses updates when it does not; a held lock makes others wait, up to `lockTimeout`; a lock nobody releases ends
 * with its lease.
 *
 * @example
 * describeLockConformance('RedisBackend', () => new RedisBackend({ client, prefix }));
 */
import { expect } from 'chai';
import type { Request } from 'express';
import http from 'node:http';
import { Get, JsonController, Post, Req, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import { LockSession, type SessionBackend, SessionMiddleware, type SessionOptions, hasSessionLocking } from '../../src';
import { createApp } from '../support/app';
import { cookieHeader, sessionCookie } from '../support/cookies';

/** Named gates: requests wait at one until `count` of them arrived, or until it is opened. */
const gates = new Map<string, { arrived: number; count: number; open: () => void; opened: Promise<void> }>();

function newGate(name: string, count = Infinity) {
  let open!: () => void;
  const opened = new Promise<void>(resolve => (open = resolve));
  const gate = { arrived: 0, count, open, opened };
  gates.set(name, gate);
  return gate;
}

async function passGate(req: Request): Promise<void> {
  const gate = gates.get(String(req.query.gate ?? ''));
  if (gate === undefined) return;
  if (++gate.arrived >= gate.count) gate.open();
  await gate.opened;
}

/** Sends a supertest request now (it waits for a `then` otherwise). */
function sent<T>(test: PromiseLike<T>): Promise<T> {
  return Promise.resolve(test);
}

/** Resolves once a request waits at `gate`: then it holds what it took before it (the lock). */
async function arrivalAt(gate: { arrived: number }): Promise<void> {
  for (let waited = 0; gate.arrived === 0; waited += 5) {
    if (waited > 5000) throw new Error('no request arrived at the gate');
    await new Promise(resolve => setTimeout(resolve, 5));
  }
}

/** A few turns of the event loop between the read and the write: room for another request to interleave. */
function yieldTurns(): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, 1));
}

@JsonController('/lock')
@UseBefore(SessionMiddleware)
@Service()
class LockController {
  @Post('/start')
  async start(@Req() req: Request) {
    await req.session.load();
    req.session.n = 0;
    return {};
  }

  /** n = n + 1 without a lock, after the gate: every request reads before any writes. */
  @Post('/unlocked')
  async unlocked(@Req() req: Request) {
    await req.session.load();
    const n = req.session.n as number;
    await passGate(req);
    req.session.n = n + 1;
    return {};
  }

  /** n = n + 1 under the decorator's lock. */
  @Post('/locked')
  @LockSession()
  async locked(@Req() req: Request) {
    const n = req.session.n as number;
    await yieldTurns();
    req.session.n = n + 1;
    return {};
  }

  /** n = n + 1 under an explicit locked load. */
  @Post('/explicit')
  async explicit(@Req() req: Request) {
    await req.session.load({ lock: true });
    const n = req.session.n as number;
    await yieldTurns();
    req.session.n = n + 1;
    return {};
  }

  /** Holds the lock until the gate opens. */
  @Post('/hold')
  @LockSession()
  async hold(@Req() req: Request) {
    await passGate(req);
    return {};
  }

  @Get('/n')
  async n(@Req() req: Request) {
    await req.session.load();
    return { n: req.session.n ?? null };
  }
}

export interface LockConformanceHooks {
  sessionOptions?: SessionOptions;
  dispose?: (backend: SessionBackend) => void | Promise<void>;
}

export function describeLockConformance(
  name: string,
  factory: () => SessionBackend | Promise<SessionBackend>,
  hooks: LockConformanceHooks = {},
): void {
  describe(`${name} lock conformance (read-modify-write of one key)`, () => {
    let backend: SessionBackend;
    let server: http.Server;

    /** Serves the controller on one listening server, with `options` on top of the suite's. */
    async function serve(options: SessionOptions = {}): Promise<void> {
      server?.closeAllConnections();
      await new Promise<void>(resolve => (server?.listening ? server.close(() => resolve()) : resolve()));
      const app = createApp([LockController], { ...hooks.sessionOptions, backend, ...options });
      server = http.createServer(app);
      await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    }

    beforeEach(async () => {
      backend = await factory();
      await serve();
    });

    afterEach(async () => {
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
      await hooks.dispose?.(backend);
    });

    async function start(): Promise<string> {
      return cookieHeader(await request(server).post('/lock/start').expect(200));
    }

    async function countOf(cookie: string): Promise<number> {
      return (await request(server).get('/lock/n').set('Cookie', cookie).expect(200)).body.n;
    }

    function times(n: number, send: () => Promise<unknown>): Promise<unknown[]> {
      return Promise.all(Array.from({ length: n }, send));
    }

    it('can lock', () => {
      expect(hasSessionLocking(backend)).to.equal(true);
    });

    it('counts all of 100 parallel increments on a route with @LockSession()', async () => {
      const cookie = await start();
      await times(100, () => request(server).post('/lock/locked').set('Cookie', cookie).expect(200));
      expect(await countOf(cookie)).to.equal(100);
    });

    it('counts all of 30 parallel increments after load({ lock: true })', async () => {
      const cookie = await start();
      await times(30, () => request(server).post('/lock/explicit').set('Cookie', cookie).expect(200));
      expect(await countOf(cookie)).to.equal(30);
    });

    it('loses increments without the lock: the race is real', async () => {
      const cookie = await start();
      newGate('race', 100);
      await times(100, () => request(server).post('/lock/unlocked?gate=race').set('Cookie', cookie).expect(200));
      // Every request read 0 before any wrote: each stored 1.
      expect(await countOf(cookie)).to.equal(1);
    });

    it('answers 503 LOCK_TIMEOUT when the lock stays held past lockTimeout, and locks again once it is free', async () => {
      await serve({ lockTimeout: 0.2 });
      const cookie = await start();
      const gate = newGate('held');
      const holder = sent(request(server).post('/lock/hold?gate=held').set('Cookie', cookie).expect(200));
      await arrivalAt(gate);
      const refused = await request(server).post('/lock/locked').set('Cookie', cookie).expect(503);
      expect(refused.body).to.include({ name: 'SessionLockTimeoutError', code: 'LOCK_TIMEOUT' });
      expect(sessionCookie(refused)).to.equal(undefined);
      // Routes that do not lock do not wait.
      expect(await countOf(cookie)).to.equal(0);
      gate.open();
      await holder;
      await request(server).post('/lock/locked').set('Cookie', cookie).expect(200);
      expect(await countOf(cookie)).to.equal(1);
    });

    it('gives the lock to the next request when a holder never releases it, after its lease', async () => {
      await serve({ lockTimeout: 5 });
      const cookie = await start();
      if (!hasSessionLocking(backend)) throw new Error('expected a backend that locks');
      // A holder that took the lock and went away (a crashed process) for 300 ms.
      const id = cookie.slice('session='.length);
      expect(await backend.acquireLock(id, { lease: 300, wait: 0 })).to.be.a('string');
      expect(await backend.acquireLock(id, { lease: 300, wait: 0 }), 'held until its lease ends').to.equal(undefined);
      await request(server).post('/lock/locked').set('Cookie', cookie).expect(200);
      expect(await countOf(cookie)).to.equal(1);
    });

    it('takes nothing but its own lock: another session’s locked request does not wait', async () => {
      await serve({ lockTimeout: 0.2 });
      const first = await start();
      const second = await start();
      const gate = newGate('other');
      const holder = sent(request(server).post('/lock/hold?gate=other').set('Cookie', first).expect(200));
      await arrivalAt(gate);
      await request(server).post('/lock/locked').set('Cookie', second).expect(200);
      gate.open();
      await holder;
    });

    it('lets a late release of an expired lock leave the new holder’s lock alone', async () => {
      if (!hasSessionLocking(backend)) throw new Error('expected a backend that locks');
      const id = 'lock-conformance-id';
      const stale = await backend.acquireLock(id, { lease: 50, wait: 0 });
      await new Promise(resolve => setTimeout(resolve, 80));
      const current = await backend.acquireLock(id, { lease: 5000, wait: 0 });
      expect(current).to.be.a('string').and.not.equal(stale);
      await backend.releaseLock(id, stale!);
      expect(await backend.acquireLock(id, { lease: 5000, wait: 0 })).to.equal(undefined);
      await backend.releaseLock(id, current!);
      const again = await backend.acquireLock(id, { lease: 5000, wait: 0 });
      expect(again).to.be.a('string');
      await backend.releaseLock(id, again!);
    });
  });
}
