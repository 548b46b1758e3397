/**
 * RedisBackend when Redis fails: refused connections, connections dropped mid-request, a server that never answers,
 * and recovery. Each driver gets a redis-server of its own that the specs kill (SIGKILL), freeze (SIGSTOP) and bring
 * back, by its own pid; the shared Redis is never touched. Assertions are on statuses and error reasons, not on time.
 */
import { expect } from 'chai';
import { inspect } from 'node:util';
import request from 'supertest';
import { RedisBackend, RedisUnavailableError, type SessionBackend } from '../../src';
import { cookieHeader } from '../support/cookies';
import {
  type AnyRedisClient,
  DRIVERS,
  closeClient,
  describeWhen,
  rawCommand,
  redisClient,
  uniquePrefix,
} from '../support/redis';
import { RedisServerProcess, redisServerMissing, waitFor } from '../support/redis-server';
import { sessionApp } from '../support/session-controller';

/** Short, so that the "never answers" specs are quick; the default is 1000 ms. */
const COMMAND_TIMEOUT = 300;

function isReady(client: AnyRedisClient): boolean {
  return 'status' in client ? client.status === 'ready' : (client as { isReady: boolean }).isReady;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return expect.fail('expected a rejection');
}

describeWhen(redisServerMissing(), 'RedisBackend when Redis fails', () => {
  for (const driver of DRIVERS) {
    describe(`with ${driver}`, () => {
      let server: RedisServerProcess;
      let client: AnyRedisClient;
      let backend: RedisBackend;

      before(async () => {
        server = await RedisServerProcess.start();
      });

      after(async () => {
        await server?.kill();
      });

      beforeEach(async () => {
        if (server.pid === undefined) await server.restart();
        client = await redisClient(driver, server.url);
        backend = new RedisBackend({ client, prefix: uniquePrefix('faults'), commandTimeout: COMMAND_TIMEOUT });
      });

      afterEach(async () => {
        server.resume();
        await closeClient(client);
      });

      /** Starts a session with a counter at 1 and returns its Cookie header. */
      async function counting(app: ReturnType<typeof sessionApp>): Promise<string> {
        const first = await request(app).post('/s/increment').expect(200);
        return cookieHeader(first);
      }

      it('answers 503 when Redis refuses connections, refusing commands instead of queueing them, and recovers', async () => {
        const app = sessionApp({ backend });
        const cookie = await counting(app);
        await server.kill();
        await waitFor('the client to notice', async () => !isReady(client));

        const res = await request(app).post('/s/increment').set('Cookie', cookie).expect(503);
        expect(res.body.name).to.equal('SessionBackendError');
        const error = await rejection(backend.read('any id'));
        expect(error).to.be.instanceOf(RedisUnavailableError).with.property('reason', 'not-ready');

        await server.restart();
        await waitFor('the client to reconnect', async () => isReady(client));
        // The restarted server is empty: the request succeeds with a new session.
        expect((await request(app).post('/s/increment').set('Cookie', cookie).expect(200)).body).to.deep.equal({
          count: 1,
        });
      });

      it('answers 503 when Redis never answers, and carries on once it answers again', async () => {
        const app = sessionApp({ backend });
        const cookie = await counting(app);
        server.pause();

        const res = await request(app).post('/s/increment').set('Cookie', cookie).expect(503);
        expect(res.body.name).to.equal('SessionBackendError');
        const error = await rejection(backend.read('any id'));
        expect(error).to.be.instanceOf(RedisUnavailableError).with.property('reason', 'timeout');

        server.resume();
        // Same server, same data: the session is still there.
        expect((await request(app).post('/s/increment').set('Cookie', cookie).expect(200)).body).to.deep.equal({
          count: 2,
        });
      });

      it('answers 503 when Redis drops the connection during a request', async () => {
        // A timeout longer than the spec: the 503 must come from the dropped connection, not from waiting.
        const patient = new RedisBackend({ client, prefix: uniquePrefix('faults'), commandTimeout: 60_000 });
        const app = sessionApp({ backend: patient });
        const cookie = await counting(app);
        server.pause();
        const reading = onceCalled(patient, 'read');
        const pending = request(app)
          .post('/s/increment')
          .set('Cookie', cookie)
          .then(res => res);
        await reading; // the request is waiting for Redis
        await server.kill();
        const res = await pending;
        expect(res.status).to.equal(503);

        const direct = patient.read('any id');
        const error = await rejection(direct);
        expect(error, 'a command refused or dropped, not timed out').to.not.have.property('reason', 'timeout');
      });

      it('refuses at once when maxPending commands are already waiting, so nothing piles up', async () => {
        const bounded = new RedisBackend({
          client,
          prefix: uniquePrefix('faults'),
          commandTimeout: 60_000,
          maxPending: 3,
        });
        server.pause();
        const waiting = [bounded.exists('a'), bounded.exists('b'), bounded.exists('c')];
        const error = await rejection(bounded.exists('d'));
        expect(error).to.be.instanceOf(RedisUnavailableError).with.property('reason', 'busy');
        server.resume();
        expect(await Promise.all(waiting)).to.deep.equal([false, false, false]);
        expect(await bounded.exists('d'), 'once answers came back').to.equal(false);
      });

      it('keeps the command and its arguments (session data) out of the error a rejected write leaves', async () => {
        const errors: Error[] = [];
        const app = sessionApp({ backend, onError: error => errors.push(error) });
        const cookie = await counting(app);
        // A server that refuses writes, as a replica does after a failover (READONLY) or a master without replicas.
        await rawCommand(client, 'any', ['CONFIG', 'SET', 'min-replicas-to-write', '1']);
        try {
          await request(app).post('/s/set?token=payload-secret-value').set('Cookie', cookie).expect(503);
        } finally {
          await rawCommand(client, 'any', ['CONFIG', 'SET', 'min-replicas-to-write', '0']);
        }
        expect(errors).to.have.length(1);
        const seen = inspect(errors[0], { depth: 10, showHidden: true });
        expect(seen, 'the reply error reached onError').to.match(/NOREPLICAS/);
        expect(seen).to.not.include('payload-secret-value');
      });
    });
  }
});

/** Resolves once `method` of `backend` has been called (after the call has started). */
function onceCalled(backend: SessionBackend, method: 'read'): Promise<void> {
  const target = backend as unknown as Record<string, unknown>;
  const original = backend[method];
  return new Promise(resolve => {
    target[method] = (...args: Parameters<SessionBackend['read']>) => {
      delete target[method];
      const result = original.apply(backend, args);
      resolve();
      return result;
    };
  });
}
