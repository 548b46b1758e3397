/**
 * The merge conformance suite: what concurrent requests on one session must leave behind, checked through the real
 * middleware on real HTTP requests. A backend that stores records per key and honours `ctx.isNew` / `ctx.changes`
 * (see BackendContext) passes it; one that writes whole records loses updates and fails it.
 *
 * Requests are made to overlap deterministically, not by timing: each handler loads the session, then waits at a
 * {@link Gate} that opens only when every request of the spec has loaded (or when the spec opens it). So every
 * request has read the record before any of them writes.
 *
 * @example
 * describeMergeConformance('RedisBackend', () => new RedisBackend({ client, prefix }));
 */
import { expect } from 'chai';
import type { Request } from 'express';
import http from 'node:http';
import { Get, JsonController, Post, Req, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import { type SessionBackend, SessionMiddleware } from '../../src';
import { createApp } from '../support/app';
import { cookieHeader, sessionCookie } from '../support/cookies';
import type { ConformanceHooks } from './backend-conformance';

/** How long a gate waits for its requests before failing them: only reached when a spec is already broken. */
const GATE_TIMEOUT_MS = 10_000;

/** A meeting point for concurrent requests: opens when `opensAt` requests have arrived, or when told to. */
class Gate {
  private arrived = 0;
  private readonly watchers: Array<{ count: number; resolve: () => void }> = [];
  private readonly opened: Promise<void>;
  private openGate!: () => void;

  constructor(private readonly opensAt = Infinity) {
    this.opened = new Promise(resolve => (this.openGate = resolve));
  }

  /** Called by a handler: resolves when the gate opens, rejects if it never does. */
  arrive(): Promise<void> {
    this.arrived++;
    for (const watcher of this.watchers) if (this.arrived >= watcher.count) watcher.resolve();
    if (this.arrived >= this.opensAt) this.open();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`gate: ${this.arrived} of ${this.opensAt} requests arrived`)),
        GATE_TIMEOUT_MS,
      );
    });
    return Promise.race([this.opened, timeout]).finally(() => clearTimeout(timer));
  }

  /** Resolves once `count` requests have arrived. */
  whenArrived(count: number): Promise<void> {
    if (this.arrived >= count) return Promise.resolve();
    return new Promise(resolve => this.watchers.push({ count, resolve }));
  }

  open(): void {
    this.openGate();
  }
}

const gates = new Map<string, Gate>();
let gateSequence = 0;

/** A new gate and the name requests use to find it (`?gate=`). */
function newGate(opensAt?: number): { name: string; gate: Gate } {
  const name = `gate-${++gateSequence}`;
  const gate = new Gate(opensAt);
  gates.set(name, gate);
  return { name, gate };
}

/** Waits at the request's `?gate=`, if it names one. */
async function passGate(req: Request): Promise<void> {
  const name = req.query.gate;
  if (typeof name === 'string') await gates.get(name)?.arrive();
}

/** Query parameters other than `gate`: the keys a request sets or deletes. */
function keysOf(req: Request): Array<[string, string]> {
  return Object.entries(req.query)
    .filter(([key]) => key !== 'gate')
    .map(([key, value]) => [key, String(value)]);
}

@JsonController('/merge')
@UseBefore(SessionMiddleware)
@Service()
class MergeController {
  /** Sets every query parameter (but `gate`) as a key, after the gate. */
  @Post('/set')
  async set(@Req() req: Request) {
    await req.session.load();
    await passGate(req);
    for (const [key, value] of keysOf(req)) req.session[key] = value;
    return { ok: true };
  }

  /** Deletes every key named in the query (but `gate`), after the gate. */
  @Post('/delete')
  async delete(@Req() req: Request) {
    await req.session.load();
    await passGate(req);
    for (const [key] of keysOf(req)) delete req.session[key];
    return { ok: true };
  }

  @Get('/read')
  async read(@Req() req: Request) {
    await req.session.load();
    return { data: { ...req.session } };
  }

  @Post('/destroy')
  async destroy(@Req() req: Request) {
    await req.session.destroy();
    return { ok: true };
  }

  @Post('/regenerate')
  async regenerate(@Req() req: Request) {
    await req.session.load();
    await passGate(req);
    await req.session.regenerate();
    return { ok: true };
  }
}

/** Declares the merge specs for one backend. `factory` is called for every spec. */
export function describeMergeConformance(
  name: string,
  factory: () => SessionBackend | Promise<SessionBackend>,
  hooks: ConformanceHooks = {},
): void {
  describe(`${name} merge conformance (concurrent requests on one session)`, () => {
    let backend: SessionBackend;
    let server: http.Server;

    beforeEach(async () => {
      backend = await factory();
      const app = createApp([MergeController], { ...hooks.sessionOptions, backend });
      // One listening server for all of a spec's requests: supertest would otherwise open a server per request.
      server = http.createServer(app);
      await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    });

    afterEach(async () => {
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
      if (backend !== undefined) await hooks.dispose?.(backend);
    });

    /** Creates a session holding `data`; returns its Cookie header and id. */
    async function seed(data: Record<string, string>): Promise<{ cookie: string; id: string }> {
      const res = await request(server).post('/merge/set').query(data).expect(200);
      return { cookie: cookieHeader(res), id: sessionCookie(res)!.value };
    }

    async function dataOf(cookie: string): Promise<Record<string, unknown>> {
      return (await request(server).get('/merge/read').set('Cookie', cookie).expect(200)).body.data;
    }

    it('keeps every key when 100 requests that all read first each set a different key', async () => {
      const { cookie } = await seed({ seed: 'yes' });
      const { name } = newGate(100);
      const expected: Record<string, string> = { seed: 'yes' };
      const requests = [];
      for (let i = 0; i < 100; i++) {
        expected[`key${i}`] = String(i);
        requests.push(
          request(server)
            .post('/merge/set')
            .query({ gate: name, [`key${i}`]: i })
            .set('Cookie', cookie)
            .expect(200),
        );
      }
      await Promise.all(requests);
      expect(await dataOf(cookie)).to.deep.equal(expected);
    });

    it('deletes a key in one request while concurrent requests set others', async () => {
      const { cookie } = await seed({ keep: 'yes', doomed: 'yes' });
      const { name } = newGate(10);
      const expected: Record<string, string> = { keep: 'yes' };
      const requests = [
        request(server).post('/merge/delete').query({ gate: name, doomed: '' }).set('Cookie', cookie).expect(200),
      ];
      for (let i = 0; i < 9; i++) {
        expected[`key${i}`] = String(i);
        requests.push(
          request(server)
            .post('/merge/set')
            .query({ gate: name, [`key${i}`]: i })
            .set('Cookie', cookie)
            .expect(200),
        );
      }
      await Promise.all(requests);
      expect(await dataOf(cookie)).to.deep.equal(expected);
    });

    it('keeps a session gone when a slower request on it finishes after a logout', async () => {
      const { cookie, id } = await seed({ user: 'ada' });
      const { name, gate } = newGate();
      const slow = request(server)
        .post('/merge/set')
        .query({ gate: name, late: 'change' })
        .set('Cookie', cookie)
        .then(res => res);
      await gate.whenArrived(1); // the slow request has read the session
      await request(server).post('/merge/destroy').set('Cookie', cookie).expect(200);
      gate.open();
      expect((await slow).status, 'the slow request').to.equal(200);
      expect(await backend.exists(id), 'the record after the slow request').to.equal(false);
      expect(await dataOf(cookie), 'the data under the old cookie').to.deep.equal({});
    });

    it('issues no write for a request that only reads', async () => {
      const { cookie } = await seed({ user: 'ada' });
      const calls = spy(backend, ['read', 'write', 'remove', 'touch']);
      try {
        expect(await dataOf(cookie)).to.deep.equal({ user: 'ada' });
      } finally {
        calls.restore();
      }
      expect(calls.names).to.deep.equal(['read']);
    });

    it('leaves only the new id after a regenerate that runs concurrently with writes', async () => {
      const { cookie, id } = await seed({ user: 'ada' });
      const { name } = newGate(11);
      const regenerate = request(server)
        .post('/merge/regenerate')
        .query({ gate: name })
        .set('Cookie', cookie)
        .expect(200);
      const writes = [];
      for (let i = 0; i < 10; i++)
        writes.push(
          request(server)
            .post('/merge/set')
            .query({ gate: name, [`key${i}`]: i })
            .set('Cookie', cookie)
            .expect(200),
        );
      const [renewed] = await Promise.all([regenerate, ...writes]);
      const newId = sessionCookie(renewed)!.value;
      expect(newId).to.not.equal(id);
      expect(await backend.exists(id), 'the old id').to.equal(false);
      expect(await backend.exists(newId), 'the new id').to.equal(true);
      expect(await dataOf(cookieHeader(renewed)), 'the data under the new id').to.deep.equal({ user: 'ada' });
      expect(await dataOf(cookie), 'the data under the old cookie').to.deep.equal({});
    });
  });
}

/** Records which of `methods` are called on `backend` (own properties shadowing the class's), until restored. */
function spy(backend: SessionBackend, methods: readonly string[]): { names: string[]; restore(): void } {
  const target = backend as unknown as Record<string, unknown>;
  const names: string[] = [];
  const replaced: string[] = [];
  for (const method of methods) {
    const original = target[method];
    if (typeof original !== 'function' || Object.prototype.hasOwnProperty.call(target, method)) continue;
    target[method] = (...args: unknown[]) => {
      names.push(method);
      return (original as (...a: unknown[]) => unknown).apply(backend, args);
    };
    replaced.push(method);
  }
  return {
    names,
    restore: () => {
      for (const method of replaced) delete target[method];
    },
  };
}
