/**
 * The tracing channel around backend calls: what an APM (OpenTelemetry's diagnostics-channel instrumentation, say)
 * subscribes to in order to time reads, writes, touches and removes, per backend, through real requests.
 */
import { expect } from 'chai';
import { tracingChannel } from 'node:diagnostics_channel';
import request from 'supertest';
import {
  BACKEND_TRACING_CHANNEL,
  type BackendCallContext,
  InMemoryBackend,
  RedisBackend,
  type SessionBackend,
  SessionBackendError,
} from '../../src';
import { FakeClock } from '../support/clock';
import { cookieHeader } from '../support/cookies';
import { FaultyBackend } from '../support/faulty-backend';
import { describeWithRedis, useRedisClient } from '../support/redis';
import { sessionApp } from '../support/session-controller';

type Phase = 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error';

/** Subscribes to every phase of the tracing channel for the specs of the enclosing describe. */
function traceRecorder() {
  const seen: { phase: Phase; context: BackendCallContext }[] = [];
  const channel = tracingChannel<BackendCallContext>(BACKEND_TRACING_CHANNEL);
  const record = (phase: Phase) => (context: BackendCallContext) => seen.push({ phase, context });
  const handlers = {
    start: record('start'),
    end: record('end'),
    asyncStart: record('asyncStart'),
    asyncEnd: record('asyncEnd'),
    error: record('error'),
  };
  before(() => channel.subscribe(handlers));
  after(() => channel.unsubscribe(handlers));
  beforeEach(() => seen.splice(0));
  return {
    /** `operation:phase` of every message since the last call, in order. */
    take(): string[] {
      return seen.splice(0).map(({ phase, context }) => `${context.operation}:${phase}`);
    },
    seen,
  };
}

function tracingSpecs(makeBackend: () => SessionBackend, backendName: string): void {
  const traces = traceRecorder();
  let clock: FakeClock;
  beforeEach(() => (clock = new FakeClock(Date.now())));

  it('traces each read, write, touch and remove from start to its async end', async () => {
    const server = sessionApp({
      backend: makeBackend(),
      clock: clock.now,
      rolling: true,
      lifetime: 3600,
      touchAfter: 60,
    });
    const whole = ['start', 'end', 'asyncStart', 'asyncEnd'];
    const cookie = cookieHeader(await request(server).post('/s/set?user=7').expect(200));
    expect(traces.take()).to.deep.equal(whole.map(phase => `write:${phase}`));

    clock.advance(61);
    await request(server).get('/s/read').set('Cookie', cookie).expect(200);
    const touch = makeBackend().touch === undefined ? 'write' : 'touch';
    expect(traces.take()).to.deep.equal([
      ...whole.map(phase => `read:${phase}`),
      ...whole.map(phase => `${touch}:${phase}`),
    ]);

    await request(server).post('/s/destroy').set('Cookie', cookie).expect(200);
    expect(traces.take()).to.deep.equal([
      ...whole.map(phase => `read:${phase}`),
      ...whole.map(phase => `remove:${phase}`),
    ]);
  });

  it('names the backend and carries no id or data', async () => {
    const server = sessionApp({ backend: makeBackend() });
    const cookie = cookieHeader(await request(server).post('/s/set?note="private-note"').expect(200));
    await request(server).get('/s/read').set('Cookie', cookie).expect(200);
    expect(traces.seen).to.have.length.above(0);
    for (const { context } of traces.seen) {
      expect(context.backend).to.equal(backendName);
      // The channel sets `result` to what the traced function resolved to: nothing.
      const set = Object.entries(context).filter(([, value]) => value !== undefined);
      expect(set.map(([key]) => key).sort()).to.deep.equal(['backend', 'operation']);
      const text = JSON.stringify(context);
      expect(text).to.not.include(cookie.slice('session='.length));
      expect(text).to.not.include('private-note');
    }
  });
}

describe('backend tracing channel', () => {
  it('is routing-controllers-sessions:backend', () => {
    expect(BACKEND_TRACING_CHANNEL).to.equal('routing-controllers-sessions:backend');
  });

  describe('InMemoryBackend', () => tracingSpecs(() => new InMemoryBackend(), 'InMemoryBackend'));
  describeWithRedis('RedisBackend', () => {
    const redis = useRedisClient('tracing');
    tracingSpecs(() => new RedisBackend({ client: redis.client, prefix: redis.prefix }), 'RedisBackend');
  });

  describe('failures', () => {
    const traces = traceRecorder();

    it('publishes error with the SessionBackendError, then the async end', async () => {
      const backend = new FaultyBackend();
      const server = sessionApp({ backend });
      backend.failing.add('write');
      await request(server).post('/s/set?user=7').expect(503);
      expect(traces.take()).to.deep.equal([
        'write:start',
        'write:end',
        'write:error',
        'write:asyncStart',
        'write:asyncEnd',
      ]);
    });

    it('tells a timeout apart: the error is a SessionBackendError that timed out', async () => {
      const backend = new FaultyBackend();
      const server = sessionApp({ backend, backendTimeout: 0.05 });
      const cookie = cookieHeader(await request(server).post('/s/set?user=7').expect(200));
      traces.take();
      backend.hanging.add('read');
      await request(server).get('/s/read').set('Cookie', cookie).expect(503);
      backend.hanging.delete('read');
      const failure = traces.seen.find(entry => entry.phase === 'error')!;
      expect(failure.context.operation).to.equal('read');
      expect(failure.context.error).to.be.instanceOf(SessionBackendError);
      expect((failure.context.error as SessionBackendError).timedOut).to.equal(true);
    });
  });
});
