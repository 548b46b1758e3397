/**
 * encryptAtRest on every store that offers it (Redis, PostgreSQL, SQLite), against the real servers and files: what
 * a dump of the store shows, key rotation, values moved between sessions, and data from before it was turned on.
 * The conformance, merge and user-sessions suites run sealed too (spec/conformance).
 */
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import request from 'supertest';
import {
  type BackendContext,
  type EncryptAtRestOptions,
  PostgresBackend,
  RedisBackend,
  type SessionBackend,
  SessionError,
  SqliteBackend,
  type UserSessions,
} from '../../src';
import { digest } from '../../src/internal/digest';
import { SECRET } from '../support/app';
import { thrownBy } from '../support/checks';
import { cookieHeader } from '../support/cookies';
import { describeWithPostgres, postgresPool, uniqueTableName } from '../support/postgres';
import { type NodeRedisClient, deleteKeys, describeWithRedis, nodeRedisClient, uniquePrefix } from '../support/redis';
import { sessionApp } from '../support/session-controller';

const OLD_KEY = 'old-at-rest-key-0123456789-abcdefghijklmnop';
const NEW_KEY = 'new-at-rest-key-0123456789-abcdefghijklmnop';

interface Options {
  userKey?: string;
  encryptAtRest?: EncryptAtRestOptions;
}

/** One store under test: backends on it, everything it holds as text, and a raw copy of one value. */
interface Store {
  make(options: Options): SessionBackend & UserSessions;
  /** Every byte the store holds for this spec, as text. */
  dump(): Promise<string>;
  /** Copies the stored (sealed) value of `key` from one session to another, behind the backend's back. */
  copyValue(fromHandle: string, toHandle: string, key: string): Promise<void>;
}

const ctx = (extra: Partial<BackendContext> = {}): BackendContext => ({
  ttl: 3600,
  lifetime: 3600,
  isNew: true,
  now: Math.floor(Date.now() / 1000),
  ...extra,
});

function describeAtRest(name: string, setUp: () => { store: () => Store }): void {
  describe(`${name} with encryptAtRest`, () => {
    const { store } = setUp();
    const sealed = (secretKey: string | string[] = SECRET) =>
      store().make({ userKey: 'userId', encryptAtRest: { secretKey } });

    it('leaves no session data and no user id in a dump of the store, only the clear metadata', async () => {
      const backend = sealed();
      const app = sessionApp({ backend });
      const cookie = cookieHeader(await request(app).post('/s/set?userId="ada-lovelace"&card="4111-1111"').expect(200));
      await request(app).post('/s/set?theme="solarized"').set('Cookie', cookie).expect(200); // a merge
      const dump = await store().dump();
      for (const secret of ['ada-lovelace', '4111-1111', 'solarized']) expect(dump).to.not.include(secret);
      expect(dump, 'the metadata').to.include('created');
      expect((await request(app).get('/s/read').set('Cookie', cookie).expect(200)).body.data).to.deep.include({
        userId: 'ada-lovelace',
        card: '4111-1111',
        theme: 'solarized',
      });
      expect(await backend.listUserSessions('ada-lovelace')).to.have.length(1);
    });

    it('opens sessions sealed with an older key and seals them again with the newest on their next request', async () => {
      const before = sessionApp({ backend: sealed(OLD_KEY) });
      const cookie = cookieHeader(await request(before).post('/s/set?userId=7&cart=["book"]').expect(200));
      expect(
        await store()
          .make({ encryptAtRest: { secretKey: NEW_KEY } })
          .read(cookie.split('=')[1], ctx()),
      ).to.equal(undefined);
      const rotated = sealed([NEW_KEY, OLD_KEY]);
      expect(await rotated.listUserSessions(7), 'listed under the older key').to.have.length(1);
      const after = sessionApp({ backend: rotated });
      const read = await request(after).get('/s/read').set('Cookie', cookie).expect(200);
      expect(read.body.data).to.deep.include({ userId: 7, cart: ['book'] });
      const newOnly = sealed(NEW_KEY);
      expect(await newOnly.read(cookie.split('=')[1], ctx()), 'sealed again with the new key').to.deep.include({
        userId: 7,
        cart: ['book'],
      });
      expect((await newOnly.listUserSessions(7)).map(info => info.handle)).to.deep.equal([
        digest(cookie.split('=')[1]),
      ]);
    });

    it('reads a session as empty, never a 5xx, when a sealed value was moved in from another session', async () => {
      const app = sessionApp({ backend: sealed() });
      const admin = cookieHeader(await request(app).post('/s/set?role="admin"').expect(200));
      const guest = cookieHeader(await request(app).post('/s/set?role="guest"').expect(200));
      await store().copyValue(digest(admin.split('=')[1]), digest(guest.split('=')[1]), 'role');
      expect((await request(app).get('/s/read').set('Cookie', guest).expect(200)).body.data).to.deep.equal({});
      expect((await request(app).get('/s/read').set('Cookie', admin).expect(200)).body.data).to.deep.include({
        role: 'admin',
      });
    });

    it('reads data stored before encryption was turned on as no session', async () => {
      const id = await store().make({}).write({ userId: 7 }, undefined, ctx());
      expect(await sealed().read(id, ctx())).to.equal(undefined);
    });

    it('refuses a missing or short key, naming the option and not the key', () => {
      for (const option of [{}, { secretKey: 'short-key' }, null]) {
        const error = thrownBy(() => store().make({ encryptAtRest: option as EncryptAtRestOptions }));
        expect(error).to.be.instanceOf(SessionError).with.property('code', 'INVALID_OPTION');
        expect((error as Error).message)
          .to.include('encryptAtRest.secretKey')
          .and.not.include('short-key');
      }
    });
  });
}

describeWithRedis('RedisBackend (node-redis)', () => {
  let client: NodeRedisClient;
  let prefix: string;
  before(async () => {
    client = await nodeRedisClient();
  });
  beforeEach(() => {
    prefix = uniquePrefix('at-rest');
  });
  afterEach(() => deleteKeys(prefix, client));
  after(() => client.quit());

  describeAtRest('RedisBackend', () => ({
    store: () => ({
      make: options => new RedisBackend({ client, prefix, ...options }),
      dump: async () => {
        const keys = (await client.sendCommand(['KEYS', `${prefix}*`])) as string[];
        let text = keys.join('\n');
        for (const key of keys) {
          const type = await client.type(key);
          text += JSON.stringify(type === 'hash' ? await client.hGetAll(key) : await client.zRange(key, 0, -1));
        }
        return text;
      },
      copyValue: async (from, to, key) => {
        await client.hSet(prefix + to, key, (await client.hGet(prefix + from, key))!);
      },
    }),
  }));
});

describeWithPostgres('PostgresBackend', () => {
  let pool: Pool;
  let table: string;
  const backends: PostgresBackend[] = [];
  before(() => {
    pool = postgresPool();
  });
  beforeEach(() => {
    table = uniqueTableName('at_rest');
  });
  afterEach(async () => {
    for (const backend of backends.splice(0)) backend.close();
    await pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_locks`);
  });
  after(() => pool.end());

  describeAtRest('PostgresBackend', () => ({
    store: () => ({
      make: options => {
        const backend = new PostgresBackend({ pool, table, ...options });
        backends.push(backend);
        return backend;
      },
      dump: async () =>
        JSON.stringify((await pool.query(`SELECT id, data::text, user_id, expires FROM ${table}`)).rows),
      copyValue: async (from, to, key) => {
        await pool.query(
          `UPDATE ${table} SET data = jsonb_set(data, ARRAY[$3::text], (SELECT data -> $3 FROM ${table} WHERE id = $1)) WHERE id = $2`,
          [from, to, key],
        );
      },
    }),
  }));
});

describe('SqliteBackend', () => {
  let folder: string;
  let filename: string;
  let files = 0;
  const backends: SqliteBackend[] = [];
  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'rcs-at-rest-'));
  });
  beforeEach(() => {
    filename = join(folder, `sessions-${++files}.db`);
  });
  afterEach(async () => {
    for (const backend of backends.splice(0)) await backend.close();
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  describeAtRest('SqliteBackend', () => ({
    store: () => ({
      make: options => {
        const backend = new SqliteBackend({ filename, ...options });
        backends.push(backend);
        return backend;
      },
      // The file and its write-ahead log, byte for byte.
      dump: async () =>
        [filename, `${filename}-wal`]
          .filter(file => existsSync(file))
          .map(file => readFileSync(file).toString('latin1'))
          .join('\n'),
      copyValue: async (from, to, key) => {
        const db = new Database(filename);
        const path = `$.${JSON.stringify(key)}`;
        db.prepare(
          `UPDATE sessions SET data = json_set(data, ?, json((SELECT data -> ? FROM sessions WHERE id = ?))) WHERE id = ?`,
        ).run(path, path, from, to);
        db.close();
      },
    }),
  }));
});
