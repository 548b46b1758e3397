/**
 * PostgresBackend when its server goes away: a PostgreSQL of the spec's own is killed and stopped under a running
 * app. Requests fail fast with 503 while it is down and succeed again, with their sessions, once it is back: the
 * app is never restarted.
 */
import { expect } from 'chai';
import { Pool } from 'pg';
import request from 'supertest';
import { PostgresBackend } from '../../src';
import { cookieHeader } from '../support/cookies';
import { OwnPostgres, postgresBinaries } from '../support/own-postgres';
import { describeWhen } from '../support/redis';
import { sessionApp } from '../support/session-controller';

describeWhen(
  postgresBinaries() === undefined ? 'no PostgreSQL binaries under /usr/lib/postgresql' : undefined,
  'PostgresBackend on a server that fails',
  () => {
    let server: OwnPostgres;
    let pool: Pool;
    let backend: PostgresBackend;

    before(async function () {
      this.timeout(60_000);
      server = await OwnPostgres.start();
      pool = new Pool({
        host: '127.0.0.1',
        port: server.port,
        user: 'postgres',
        database: 'postgres',
        connectionTimeoutMillis: 500,
        max: 4,
      });
      pool.on('error', () => {});
      backend = new PostgresBackend({ pool, pruneInterval: 0 });
    });

    after(async function () {
      this.timeout(30_000);
      backend?.close();
      await pool?.end().catch(() => {});
      server?.destroy();
    });

    /** Reads the session until a request answers `status`, within `ms`; returns that response and how long it took. */
    async function until(app: ReturnType<typeof sessionApp>, cookie: string, status: number, ms: number) {
      const deadline = Date.now() + ms;
      for (;;) {
        const started = Date.now();
        // A read: probes that land before the server is down change nothing.
        const res = await request(app).get('/s/read').set('Cookie', cookie);
        const took = Date.now() - started;
        if (res.status === status || Date.now() > deadline) return { res, took };
        await new Promise(resolve => setTimeout(resolve, 200));
      }
    }

    for (const [fault, takeDown] of [
      ['killed (SIGKILL)', () => server.kill()],
      ['stopped', () => server.stop()],
    ] as const) {
      it(`answers 503 within backendTimeout while the server is ${fault}, and recovers when it is back`, async function () {
        this.timeout(60_000);
        const app = sessionApp({ backend, backendTimeout: 1 });
        const first = await request(app).post('/s/increment').expect(200);
        const cookie = cookieHeader(first);
        const count = first.body.count as number;

        takeDown();
        // Connections the pool holds may serve a moment longer (a killed server's backends exit when they notice).
        const down = await until(app, cookie, 503, 10_000);
        expect(down.res.status).to.equal(503);
        expect(down.res.body.name).to.equal('SessionBackendError');
        expect(down.took, 'a request while down').to.be.below(2500);

        server.resume();
        expect((await until(app, cookie, 200, 15_000)).res.status).to.equal(200);
        const back = await request(app).post('/s/increment').set('Cookie', cookie).expect(200);
        expect(back.body.count, 'the session kept what was committed').to.equal(count + 1);
      });
    }
  },
  'install PostgreSQL 15 (its initdb and pg_ctl)',
);
