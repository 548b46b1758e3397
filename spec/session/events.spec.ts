/**
 * Lifecycle events (`onEvent` and the diagnostics channel) through real requests: what happened to which session,
 * named by a hashed handle, never by its id, its cookie or its data.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { IsInt } from 'class-validator';
import request from 'supertest';
import {
  CookieBackend,
  InMemoryBackend,
  RedisBackend,
  SESSION_EVENTS_CHANNEL,
  type SessionBackend,
  SessionError,
  type SessionEvent,
  type SessionOptions,
} from '../../src';
import { SECRET } from '../support/app';
import { FakeClock } from '../support/clock';
import { cookieHeader } from '../support/cookies';
import { FaultyBackend } from '../support/faulty-backend';
import { describeWithRedis, useRedisClient } from '../support/redis';
import { sessionApp } from '../support/session-controller';

/** The handle events give the session whose cookie is `cookie` (`session=<id>`). */
function handleOf(cookie: string): string {
  return createHash('sha256').update(cookie.slice('session='.length)).digest('base64url');
}

/** An app whose events are collected in `events`, request by request. */
function observedApp(options: SessionOptions) {
  const events: SessionEvent[] = [];
  const server = sessionApp({ onEvent: event => events.push(event), ...options });
  /** The events since the last call. */
  const taken = () => events.splice(0);
  return { server, taken };
}

function lifecycleSpecs(makeBackend: () => SessionBackend, backendName: string): void {
  it('tells created, loaded, regenerated and destroyed, with handles of the ids', async () => {
    const { server, taken } = observedApp({ backend: makeBackend() });
    const first = cookieHeader(await request(server).post('/s/set?user=7&note="private"').expect(200));
    expect(taken()).to.deep.equal([{ type: 'created', handle: handleOf(first), backend: backendName }]);

    await request(server).get('/s/read').set('Cookie', first).expect(200);
    expect(taken()).to.deep.equal([{ type: 'loaded', handle: handleOf(first), backend: backendName }]);

    const second = cookieHeader(await request(server).post('/s/regenerate').set('Cookie', first).expect(200));
    expect(taken()).to.deep.equal([
      { type: 'loaded', handle: handleOf(first), backend: backendName },
      { type: 'regenerated', handle: handleOf(second), previousHandle: handleOf(first), backend: backendName },
    ]);

    await request(server).post('/s/destroy').set('Cookie', second).expect(200);
    expect(taken()).to.deep.equal([
      { type: 'loaded', handle: handleOf(second), backend: backendName },
      { type: 'destroyed', handle: handleOf(second), backend: backendName },
    ]);
  });

  it('tells nothing for a route that never loads the session, and no id, cookie or data ever', async () => {
    const { server, taken } = observedApp({ backend: makeBackend() });
    const cookie = cookieHeader(await request(server).post('/s/set?note="private-note"').expect(200));
    const seen = taken();
    await request(server).get('/s/untouched').set('Cookie', cookie).expect(200);
    expect(taken()).to.deep.equal([]);
    await request(server).post('/s/increment').set('Cookie', cookie).expect(200);
    seen.push(...taken());
    const text = JSON.stringify(seen);
    expect(seen).to.have.length.above(1);
    expect(text).to.not.include(cookie.slice('session='.length));
    expect(text).to.not.include('private-note');
  });
}

describe('session events (onEvent)', () => {
  describe('InMemoryBackend', () => lifecycleSpecs(() => new InMemoryBackend(), 'InMemoryBackend'));
  describe('CookieBackend', () => lifecycleSpecs(() => new CookieBackend({ secretKey: SECRET }), 'CookieBackend'));
  describeWithRedis('RedisBackend', () => {
    const redis = useRedisClient('events');
    lifecycleSpecs(() => new RedisBackend({ client: redis.client, prefix: redis.prefix }), 'RedisBackend');
  });

  describe('sessions ended on the server', () => {
    let clock: FakeClock;
    beforeEach(() => (clock = new FakeClock()));

    it('tells expired for a stored session the server ends (its lifetime was shortened since)', async () => {
      const backend = new InMemoryBackend();
      const before = observedApp({ backend, clock: clock.now, lifetime: 3600 });
      const cookie = cookieHeader(await request(before.server).post('/s/set?user=7').expect(200));
      const { server, taken } = observedApp({ backend, clock: clock.now, lifetime: 60 });
      clock.advance(61);
      await request(server).get('/s/read').set('Cookie', cookie).expect(200);
      expect(taken()).to.deep.equal([{ type: 'expired', handle: handleOf(cookie), backend: 'InMemoryBackend' }]);
    });

    it('tells revoked when isRevoked ends a session', async () => {
      let revoke = false;
      const { server, taken } = observedApp({ backend: new InMemoryBackend(), isRevoked: () => revoke });
      const cookie = cookieHeader(await request(server).post('/s/set?user=7').expect(200));
      taken();
      revoke = true;
      await request(server).get('/s/read').set('Cookie', cookie).expect(200);
      expect(taken()).to.deep.equal([{ type: 'revoked', handle: handleOf(cookie), backend: 'InMemoryBackend' }]);
    });

    it('tells invalid for stored data the schema refuses, under either policy', async () => {
      class Counted {
        @IsInt()
        count!: number;
      }
      for (const onInvalid of ['reset', 'reject'] as const) {
        const backend = new InMemoryBackend();
        const { server, taken } = observedApp({ backend, schema: Counted, validation: { onInvalid } });
        const id = await backend.write({ count: 'many' }, undefined, {
          now: Math.floor(Date.now() / 1000),
          lifetime: 3600,
          ttl: 3600,
          isNew: true,
        });
        await request(server)
          .get('/s/read')
          .set('Cookie', `session=${id}`)
          .expect(onInvalid === 'reset' ? 200 : 400);
        expect(taken(), onInvalid).to.deep.equal([
          { type: 'invalid', handle: handleOf(`session=${id}`), backend: 'InMemoryBackend' },
        ]);
      }
    });

    it('tells destroyed for a session emptied of its data, and renewed for a renewal', async () => {
      const { server, taken } = observedApp({ backend: new InMemoryBackend(), clock: clock.now, renewAfter: 60 });
      const cookie = cookieHeader(await request(server).post('/s/set?user=7').expect(200));
      clock.advance(60);
      const renewed = cookieHeader(await request(server).get('/s/read').set('Cookie', cookie).expect(200));
      expect(taken()).to.deep.equal([
        { type: 'created', handle: handleOf(cookie), backend: 'InMemoryBackend' },
        { type: 'loaded', handle: handleOf(cookie), backend: 'InMemoryBackend' },
        { type: 'renewed', handle: handleOf(renewed), previousHandle: handleOf(cookie), backend: 'InMemoryBackend' },
      ]);
      await request(server).post('/s/clear').set('Cookie', renewed).expect(200);
      expect(taken()).to.deep.equal([
        { type: 'loaded', handle: handleOf(renewed), backend: 'InMemoryBackend' },
        { type: 'destroyed', handle: handleOf(renewed), backend: 'InMemoryBackend' },
      ]);
    });
  });

  describe('store failures', () => {
    it('tells store-failure with the operation, and the request still answers 503', async () => {
      const backend = new FaultyBackend();
      const { server, taken } = observedApp({ backend });
      const cookie = cookieHeader(await request(server).post('/s/set?user=7').expect(200));
      taken();
      backend.failing.add('write');
      await request(server).post('/s/set?user=8').set('Cookie', cookie).expect(503);
      expect(taken()).to.deep.equal([
        { type: 'loaded', handle: handleOf(cookie), backend: 'FaultyBackend' },
        { type: 'store-failure', handle: handleOf(cookie), operation: 'write', backend: 'FaultyBackend' },
      ]);
    });

    it('tells store-timeout for a call that outlasts backendTimeout', async () => {
      const backend = new FaultyBackend();
      const { server, taken } = observedApp({ backend, backendTimeout: 0.05 });
      const cookie = cookieHeader(await request(server).post('/s/set?user=7').expect(200));
      taken();
      backend.hanging.add('read');
      await request(server).get('/s/read').set('Cookie', cookie).expect(503);
      expect(taken()).to.deep.equal([{ type: 'store-timeout', operation: 'read', backend: 'FaultyBackend' }]);
      backend.hanging.delete('read');
    });
  });

  it('ignores a listener that throws: the request and its session are unchanged', async () => {
    const server = sessionApp({
      backend: new InMemoryBackend(),
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    const cookie = cookieHeader(await request(server).post('/s/set?user=7').expect(200));
    const res = await request(server).get('/s/read').set('Cookie', cookie).expect(200);
    expect(res.body.data).to.deep.equal({ user: 7 });
  });

  it('checks the option at start-up', () => {
    expect(() => sessionApp({ onEvent: 'log' as never })).to.throw(SessionError, /`onEvent`/);
  });
});

describe('session events (diagnostics channel)', () => {
  const published: unknown[] = [];
  const listener = (message: unknown) => published.push(message);
  before(() => subscribe(SESSION_EVENTS_CHANNEL, listener));
  after(() => unsubscribe(SESSION_EVENTS_CHANNEL, listener));
  beforeEach(() => published.splice(0));

  it('publishes the same events on routing-controllers-sessions:session, without onEvent', async () => {
    const server = sessionApp({ backend: new InMemoryBackend() });
    const cookie = cookieHeader(await request(server).post('/s/set?user=7').expect(200));
    await request(server).post('/s/destroy').set('Cookie', cookie).expect(200);
    expect(SESSION_EVENTS_CHANNEL).to.equal('routing-controllers-sessions:session');
    expect(published).to.deep.equal([
      { type: 'created', handle: handleOf(cookie), backend: 'InMemoryBackend' },
      { type: 'loaded', handle: handleOf(cookie), backend: 'InMemoryBackend' },
      { type: 'destroyed', handle: handleOf(cookie), backend: 'InMemoryBackend' },
    ]);
  });

  it('hands onEvent and the channel one event object', async () => {
    const heard: SessionEvent[] = [];
    const server = sessionApp({ backend: new InMemoryBackend(), onEvent: event => heard.push(event) });
    await request(server).post('/s/set?user=7').expect(200);
    expect(heard).to.have.length(1);
    expect(published).to.have.length(1);
    expect(published[0]).to.equal(heard[0]);
  });
});
