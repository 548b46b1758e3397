/**
 * What an outside review found still breaking a documented promise (issue 10): meta after a configuration change,
 * loosely written backends, records that are not plain data, foreign data nested thousands of levels deep, and id
 * rotation that keeps the absolute deadline. Every case goes through the real middleware over HTTP.
 */
import { expect } from 'chai';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional } from 'class-validator';
import { runInNewContext } from 'node:vm';
import request from 'supertest';
import { InMemoryBackend, RedisBackend, SessionBackend, type SessionData, type SessionMeta } from '../../src';
import { digest } from '../../src/backends/redis/session-keys';
import { MAX_DEPTH, parseSession } from '../../src/serializers/json';
import { FakeClock } from '../support/clock';
import { cookieHeader, isCleared, sessionCookie } from '../support/cookies';
import {
  type AnyRedisClient,
  closeClient,
  deleteKeys,
  describeWithRedis,
  rawCommand,
  redisClient,
  uniquePrefix,
} from '../support/redis';
import { sessionApp } from '../support/session-controller';

/**
 * A backend written loosely, in the style of plain JavaScript: methods return plain values, not promises, and
 * `records` can be given anything, as another program might have stored it.
 */
class LooseBackend extends SessionBackend {
  readonly records = new Map<string, unknown>();
  removed = 0;

  // The casts say what the contract promises; the values are what a loose implementation returns.
  read(sessionId: string): Promise<SessionData | undefined> {
    return this.records.get(sessionId) as never;
  }

  write(data: SessionData, sessionId?: string): Promise<string> {
    const id = sessionId ?? this.generateId();
    this.records.set(id, structuredClone(data));
    return id as never;
  }

  remove(sessionId: string): Promise<void> {
    this.removed++;
    this.records.delete(sessionId);
    return undefined as never;
  }

  override exists(sessionId: string): Promise<boolean> {
    return this.records.has(sessionId) as never;
  }
}

/** Hands over whatever `records` holds, as another program might have stored it; a well-behaved async backend. */
class RawRecordsBackend extends LooseBackend {
  override async read(sessionId: string): Promise<SessionData | undefined> {
    return this.records.get(sessionId) as SessionData | undefined;
  }
}

/** `{ "a": { "a": ... 1 } }`, `depth` levels deep, with a `constructor` key that makes the prototype scan walk it. */
function deepJson(depth: number): string {
  return `{"constructor":{"prototype":1},"a":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
}

describe('hardening (issue 10)', () => {
  describe('meta after the configuration shortened the limits', () => {
    // [option, the shorter configuration, the seconds it gives from creation, seconds passed (within touchAfter)]
    const cases = [
      ['lifetime', { lifetime: 600 }, 600, 100],
      ['idleTimeout', { lifetime: 3600, idleTimeout: 300 }, 300, 10],
      ['absoluteTimeout', { lifetime: 3600, absoluteTimeout: 400 }, 400, 100],
    ] as const;
    for (const [option, shorter, seconds, elapsed] of cases) {
      it(`reports the end the server enforces, in req.session.meta and to isRevoked (${option})`, async () => {
        const clock = new FakeClock();
        const backend = new InMemoryBackend();
        const created = clock.seconds;
        const cookie = cookieHeader(
          await request(sessionApp({ clock: clock.now, lifetime: 3600, backend }))
            .post('/s/increment')
            .expect(200),
        );
        clock.advance(elapsed);
        let revocationMeta: SessionMeta | undefined;
        const isRevoked = (meta: SessionMeta) => {
          revocationMeta = meta;
          return false;
        };
        const app = sessionApp({ clock: clock.now, backend, isRevoked, ...shorter });
        const meta = (await request(app).get('/s/meta').set('Cookie', cookie).expect(200)).body as SessionMeta;
        expect(meta).to.include({ expiresAt: created + seconds, remainingSeconds: seconds - elapsed });
        expect(revocationMeta).to.include({ expiresAt: created + seconds, remainingSeconds: seconds - elapsed });
      });
    }
  });

  describe('a backend written loosely', () => {
    it('works when its methods return plain values instead of promises', async () => {
      const backend = new LooseBackend();
      const app = sessionApp({ backend });
      const cookie = cookieHeader(await request(app).post('/s/increment').expect(200));
      expect((await request(app).post('/s/increment').set('Cookie', cookie).expect(200)).body.count).to.equal(2);
      await request(app).post('/s/destroy').set('Cookie', cookie).expect(200);
      expect(backend.records.size).to.equal(0);
    });

    it('has a record that is not a plain object taken as invalid data: an empty session, the record removed', async () => {
      class Legacy {
        n = 1;
      }
      for (const record of [Buffer.from('{"n":1}'), new Uint8Array([1, 2]), new Legacy(), new Map([['n', 1]])]) {
        const backend = new RawRecordsBackend();
        backend.records.set('legacy-id', record);
        const res = await request(sessionApp({ backend }))
          .get('/s/read')
          .set('Cookie', 'session=legacy-id')
          .expect(200);
        expect(res.body.data, record.constructor.name).to.deep.equal({});
        expect(backend.removed, record.constructor.name).to.equal(1);
      }
    });

    it('keeps a plain record made in another realm (a vm context)', async () => {
      const backend = new RawRecordsBackend();
      backend.records.set('realm-id', runInNewContext('({ count: 1 })'));
      const res = await request(sessionApp({ backend }))
        .post('/s/increment')
        .set('Cookie', 'session=realm-id')
        .expect(200);
      expect(res.body.count).to.equal(2);
      expect(backend.removed).to.equal(0);
    });

    it('answers a record that cannot be serialised with 503, keeping what it threw from the client', async () => {
      const cycle: Record<string, unknown> = { n: 1 };
      cycle.self = cycle;
      const broken = [
        cycle,
        { n: { toJSON: () => new Date(Number.NaN).toISOString() } }, // a RangeError that is not about depth
        { n: 1n },
        {
          get n() {
            throw new Error('secret getter failure');
          },
        },
        {
          n: {
            toJSON: () => {
              throw new Error('secret toJSON failure');
            },
          },
        },
      ];
      for (const record of broken) {
        const backend = new RawRecordsBackend();
        backend.records.set('broken-id', record);
        const res = await request(sessionApp({ backend }))
          .get('/s/read')
          .set('Cookie', 'session=broken-id')
          .expect(503);
        expect(res.body).to.include({ name: 'SessionBackendError', code: 'BACKEND_FAILURE' });
        expect(res.text).to.not.include('secret').and.not.include('broken-id');
      }
    });
  });

  describe('foreign data nested thousands of levels deep', () => {
    it('is an empty session, never a stack overflow, when the backend hands it over as an object', async () => {
      const backend = new RawRecordsBackend();
      backend.records.set('deep-id', JSON.parse(`{"x":${deepJson(20_000)}}`));
      const res = await request(sessionApp({ backend })).get('/s/read').set('Cookie', 'session=deep-id').expect(200);
      expect(res.body.data).to.deep.equal({});
      expect(backend.records.has('deep-id')).to.equal(false);
    });

    it(`is an empty session from ${MAX_DEPTH + 1} levels on, well within the stack`, async () => {
      const backend = new RawRecordsBackend();
      backend.records.set('deep-id', JSON.parse(`{"x":${'['.repeat(MAX_DEPTH)}1${']'.repeat(MAX_DEPTH)}}`));
      backend.records.set(
        'fine-id',
        JSON.parse(`{"x":${'['.repeat(MAX_DEPTH - 1)}1${']'.repeat(MAX_DEPTH - 1)},"s":"${'['.repeat(2000)}"}`),
      );
      const app = sessionApp({ backend });
      expect((await request(app).get('/s/read').set('Cookie', 'session=deep-id').expect(200)).body.data).to.deep.equal(
        {},
      );
      expect(backend.records.has('deep-id')).to.equal(false);
      expect(
        (await request(app).get('/s/read').set('Cookie', 'session=fine-id').expect(200)).body.data,
      ).to.have.property('s');
    });

    it('is walked without recursion by the prototype-key scan', () => {
      const parsed = parseSession(`{"x":${deepJson(200_000)}}`) as { x: object };
      // Plain checks: chai would print the whole object, recursively.
      expect(typeof parsed.x).to.equal('object');
      expect(Object.hasOwn(parsed.x, 'constructor'), 'the constructor key is dropped').to.equal(false);
    });

    describeWithRedis('written into Redis by another program', () => {
      let client: AnyRedisClient;
      const prefix = uniquePrefix('deep');
      before(async () => (client = await redisClient('node-redis')));
      after(async () => {
        await deleteKeys(prefix, client);
        await closeClient(client);
      });

      it('is an empty session, not a 5xx', async () => {
        const id = 'deep-session-id-0123456789abcdef';
        const key = prefix + digest(id);
        await rawCommand(client, key, ['HSET', key, 'x', deepJson(20_000)]);
        const res = await request(sessionApp({ backend: new RedisBackend({ client, prefix }) }))
          .get('/s/read')
          .set('Cookie', `session=${id}`)
          .expect(200);
        expect(res.body.data).to.deep.equal({});
      });
    });
  });

  describe('a schema and keys named constructor', () => {
    class PrefsSession {
      @IsOptional() @IsInt() count?: number;
      @IsOptional() @IsObject() prefs?: Record<string, unknown>;
    }

    it("gives a stored record with such nested keys the onInvalid policy: 'reset' empties it and clears the cookie", async () => {
      const backend = new InMemoryBackend();
      const id = await backend.write({ count: 1, prefs: { constructor: 'x' } });
      const res = await request(sessionApp({ backend, schema: PrefsSession }))
        .get('/s/read')
        .set('Cookie', `session=${id}`)
        .expect(200);
      expect(res.body.data).to.deep.equal({});
      expect(isCleared(sessionCookie(res))).to.equal(true);
      expect(await backend.exists(id)).to.equal(false);
    });

    it("answers it with a 400 SessionValidationError under onInvalid: 'reject', leaving the record", async () => {
      const backend = new InMemoryBackend();
      const id = await backend.write({ count: 1, prefs: { constructor: 'x' } });
      const app = sessionApp({ backend, schema: PrefsSession, validation: { onInvalid: 'reject' } });
      const res = await request(app).get('/s/read').set('Cookie', `session=${id}`).expect(400);
      expect(res.body).to.include({ name: 'SessionValidationError', code: 'INVALID_SESSION' });
      expect(await backend.exists(id)).to.equal(true);
    });

    it('treats stored data the schema cannot turn back into JSON as invalid too', async () => {
      class DatedSession {
        @IsOptional()
        @Type(() => Date)
        @Transform(({ value }) => (value as Date).toISOString(), { toPlainOnly: true })
        at?: Date;
      }
      const backend = new InMemoryBackend();
      const id = await backend.write({ at: 'not a date' });
      const res = await request(sessionApp({ backend, schema: DatedSession }))
        .get('/s/read')
        .set('Cookie', `session=${id}`)
        .expect(200);
      expect(res.body.data).to.deep.equal({});
      expect(await backend.exists(id)).to.equal(false);
    });

    it('refuses data the schema cannot take in before saving with a 500 SessionValidationError', async () => {
      class NamedSession {
        @IsOptional()
        @Transform(
          ({ value }) => {
            if (value === 'boom') throw new Error('no');
            return value;
          },
          { toClassOnly: true },
        )
        name?: string;
      }
      const backend = new InMemoryBackend();
      const app = sessionApp({ backend, schema: NamedSession, validation: { beforeSave: true } });
      const res = await request(app).post('/s/set?name=boom').expect(500);
      expect(res.body).to.include({ name: 'SessionValidationError', code: 'INVALID_SESSION' });
      expect(backend.size).to.equal(0);
    });

    it('refuses client JSON with such keys with a 500 SessionValidationError, never a bare TypeError, saving nothing', async () => {
      const backend = new InMemoryBackend();
      for (const validation of [{}, { beforeSave: true }]) {
        const app = sessionApp({ backend, schema: PrefsSession, validation });
        const prefs = encodeURIComponent(JSON.stringify({ theme: 'dark', constructor: 'x' }));
        const res = await request(app).post(`/s/set?prefs=${prefs}`).expect(500);
        expect(res.body).to.include({ name: 'SessionValidationError', code: 'INVALID_SESSION' });
        expect(sessionCookie(res)).to.equal(undefined);
      }
      expect(backend.size).to.equal(0);
    });
  });

  describe('regenerate({ keepCreatedAt: true })', () => {
    it('rotates the id but keeps the creation time, so absoluteTimeout still ends the session', async () => {
      const clock = new FakeClock();
      const backend = new InMemoryBackend();
      const app = sessionApp({ clock: clock.now, backend, rolling: true, lifetime: 3600, absoluteTimeout: 1000 });
      const created = clock.seconds;
      let cookie = cookieHeader(await request(app).post('/s/increment').expect(200));
      for (let i = 0; i < 3; i++) {
        clock.advance(300);
        const rotated = await request(app).post('/s/rotate').set('Cookie', cookie).expect(200);
        expect(cookieHeader(rotated)).to.not.equal(cookie);
        cookie = cookieHeader(rotated);
        expect(rotated.body.meta.createdAt).to.equal(created);
      }
      clock.advance(101); // 1001 seconds after creation
      const res = await request(app).get('/s/read').set('Cookie', cookie).expect(200);
      expect(res.body.data).to.deep.equal({});
    });

    it('is not the default: a plain regenerate() starts a new session', async () => {
      const clock = new FakeClock();
      const app = sessionApp({ clock: clock.now, backend: new InMemoryBackend() });
      const cookie = cookieHeader(await request(app).post('/s/increment').expect(200));
      clock.advance(300);
      const res = await request(app).post('/s/regenerate').set('Cookie', cookie).expect(200);
      expect(sessionCookie(res)).to.not.equal(undefined);
      const meta = (await request(app).get('/s/meta').set('Cookie', cookieHeader(res)).expect(200)).body as SessionMeta;
      expect(meta.createdAt).to.equal(clock.seconds);
    });
  });
});
