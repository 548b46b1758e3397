/**
 * The apps `npm run bench` compares: bare routing-controllers, the session libraries users choose between, and this
 * library on every backend, each on routing-controllers with the same express. Every app serves the same three
 * routes, so only the session work differs:
 *
 * - `/untouched`: the session cookie is sent, the handler never looks at the session;
 * - `/read`: the handler reads one key, changes nothing;
 * - `/counter`: the handler increments one key.
 */
import express, { type Request, type Response } from 'express';
import { Get, JsonController, Req, Res, UseBefore, useExpressServer } from 'routing-controllers';
import { Service } from 'typedi';
import {
  CookieBackend,
  EncryptedCookieBackend,
  InMemoryBackend,
  PostgresBackend,
  RedisBackend,
  type SessionBackend,
  SessionMiddleware,
  type SessionOptions,
  SqliteBackend,
  configureSessions,
} from '../src';

export const SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
export const ROUTES = ['untouched', 'read', 'counter'] as const;
export type Route = (typeof ROUTES)[number];

/** What kind of store an app keeps sessions in: each of this library's rows is compared with its own kind. */
export type StoreKind = 'none' | 'memory' | 'cookie' | 'encrypted' | 'redis' | 'postgres' | 'sqlite';

export interface BenchApp {
  kind: StoreKind;
  /** This library, or an alternative. */
  ours: boolean;
  /** A service the app needs, to skip it with a reason when absent. */
  needs?: 'redis' | 'postgres';
  build(): Promise<express.Express>;
}

/**
 * The Redis client of an app. By default node-redis on `REDIS_URL`, its keys under `prefix` deleted when the process
 * ends. The Redis-time measure (redis-time.ts) picks the driver and the servers, its own, thrown away after it:
 * `BENCH_REDIS_DRIVER` (`node-redis` or `ioredis`), `BENCH_REDIS_NODES` (ports on 127.0.0.1) and
 * `BENCH_REDIS_CLUSTER=1` for a cluster client. Drivers are loaded only by the apps that use them, so the others pay
 * nothing for a driver's import.
 */
async function redisClient(prefix: string) {
  const ports = process.env.BENCH_REDIS_NODES?.split(',').map(Number);
  const cluster = process.env.BENCH_REDIS_CLUSTER === '1';
  if (process.env.BENCH_REDIS_DRIVER === 'ioredis') {
    const { Cluster, Redis } = await import('ioredis');
    const nodes = (ports ?? [6379]).map(port => ({ host: '127.0.0.1', port }));
    const options = { enableOfflineQueue: false, maxRetriesPerRequest: 0 };
    const client = cluster
      ? new Cluster(nodes, { enableOfflineQueue: false, redisOptions: options })
      : new Redis({ ...nodes[0], ...options });
    await new Promise((resolve, reject) => client.once('ready', resolve).once('error', reject));
    return client;
  }
  const { createClient, createCluster } = await import('redis');
  if (cluster) {
    const rootNodes = ports!.map(port => ({ url: `redis://127.0.0.1:${port}` }));
    const client = createCluster({ rootNodes, defaults: { disableOfflineQueue: true } });
    await client.connect();
    return client;
  }
  const url =
    ports === undefined ? (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379') : `redis://127.0.0.1:${ports[0]}`;
  const client = createClient({ url, disableOfflineQueue: true });
  await client.connect();
  if (ports === undefined) {
    cleanUps.push(async () => {
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
        if (keys.length > 0) await client.del(keys);
      }
    });
  }
  return client;
}

async function postgresPool() {
  const { Pool } = await import('pg');
  const user = process.env.PGUSER ?? 'postgres';
  return new Pool({ host: '127.0.0.1', port: 5432, database: process.env.PGDATABASE ?? 'test', user, max: 4 });
}

/** A table or key prefix of this process only: dropped when it ends (see `cleanUps`). */
const UNIQUE = `bench_${process.pid}`;
export const cleanUps: Array<() => Promise<unknown>> = [];

@JsonController()
@Service()
class BareController {
  @Get('/untouched')
  untouched() {
    return { hello: 'world' };
  }
}

/** express-session and cookie-session: `req.session` is a plain object filled before the handler runs. */
@JsonController()
@Service()
class ReqSessionController {
  @Get('/untouched')
  untouched() {
    return { hello: 'world' };
  }

  @Get('/read')
  read(@Req() req: Request) {
    return { count: (req.session as unknown as { count?: number }).count ?? 0 };
  }

  @Get('/counter')
  counter(@Req() req: Request) {
    const session = req.session as unknown as { count?: number };
    session.count = (session.count ?? 0) + 1;
    return { count: session.count };
  }
}

interface IronData {
  count?: number;
}

/** iron-session: the handler opens the sealed cookie itself. */
@JsonController()
@Service()
class IronController {
  @Get('/untouched')
  untouched() {
    return { hello: 'world' };
  }

  @Get('/read')
  async read(@Req() req: Request, @Res() res: Response) {
    const session = await ironSession(req, res);
    return { count: session.count ?? 0 };
  }

  @Get('/counter')
  async counter(@Req() req: Request, @Res() res: Response) {
    const session = await ironSession(req, res);
    session.count = (session.count ?? 0) + 1;
    await session.save();
    return { count: session.count };
  }
}

let iron: typeof import('iron-session') | undefined;

async function ironSession(req: Request, res: Response) {
  iron ??= await import('iron-session');
  return iron.getIronSession<IronData>(req, res, {
    password: SECRET,
    cookieName: 'session',
    cookieOptions: { secure: false },
  });
}

/** This library: the session loads when the handler asks. */
@JsonController()
@UseBefore(SessionMiddleware)
@Service()
class LibraryController {
  @Get('/untouched')
  untouched() {
    return { hello: 'world' };
  }

  @Get('/read')
  async read(@Req() req: Request) {
    await req.session.load();
    return { count: req.session.count ?? 0 };
  }

  @Get('/counter')
  async counter(@Req() req: Request) {
    await req.session.load();
    req.session.count = ((req.session.count as number | undefined) ?? 0) + 1;
    return { count: req.session.count };
  }

  /** Only the Redis-time measure calls it, to measure the user index (`userKey`) of a logged-in session. */
  @Get('/login')
  async login(@Req() req: Request) {
    await req.session.load();
    req.session.userId = 'bench-user';
    return { userId: req.session.userId };
  }
}

/** This library with the session locked on the routes that load it: what `load({ lock: true })` adds uncontended. */
@JsonController()
@UseBefore(SessionMiddleware)
@Service()
class LockingLibraryController {
  @Get('/untouched')
  untouched() {
    return { hello: 'world' };
  }

  @Get('/read')
  async read(@Req() req: Request) {
    await req.session.load({ lock: true });
    return { count: req.session.count ?? 0 };
  }

  @Get('/counter')
  async counter(@Req() req: Request) {
    await req.session.load({ lock: true });
    req.session.count = ((req.session.count as number | undefined) ?? 0) + 1;
    return { count: req.session.count };
  }
}

type Controller = abstract new (...args: never[]) => object;

function routingControllers(app: express.Express, controller: Controller): express.Express {
  app.set('etag', false);
  return useExpressServer(app, {
    controllers: [controller],
    middlewares: [class NoGlobals {}],
    interceptors: [class NoGlobals {}],
  }) as express.Express;
}

async function expressSession(store?: (session: typeof import('express-session')) => Promise<unknown>) {
  const session = (await import('express-session')).default;
  const app = express();
  const options = { secret: SECRET, resave: false, saveUninitialized: false, cookie: { secure: false } };
  app.use(session({ ...options, ...(store ? { store: (await store(session)) as never } : {}) }));
  return routingControllers(app, ReqSessionController);
}

function library(
  backend: () => Promise<SessionBackend> | SessionBackend,
  options: SessionOptions = {},
  controller: Controller = LibraryController,
): () => Promise<express.Express> {
  return async () => {
    configureSessions({ secretKey: SECRET, backend: await backend(), cookie: { secure: false }, ...options });
    return routingControllers(express(), controller);
  };
}

export const APPS: Record<string, BenchApp> = {
  'bare routing-controllers': {
    kind: 'none',
    ours: false,
    build: async () => routingControllers(express(), BareController),
  },
  'express-session MemoryStore': { kind: 'memory', ours: false, build: () => expressSession() },
  'express-session + connect-redis': {
    kind: 'redis',
    ours: false,
    needs: 'redis',
    build: () =>
      expressSession(async () => {
        const { RedisStore } = await import('connect-redis');
        return new RedisStore({ client: await redisClient(`${UNIQUE}:es:`), prefix: `${UNIQUE}:es:` });
      }),
  },
  'express-session + connect-pg-simple': {
    kind: 'postgres',
    ours: false,
    needs: 'postgres',
    build: () =>
      expressSession(async session => {
        const PgStore = (await import('connect-pg-simple')).default(session);
        const pool = await postgresPool();
        const tableName = `${UNIQUE}_pg_simple`;
        cleanUps.push(() => pool.query(`DROP TABLE IF EXISTS ${tableName}`));
        return new PgStore({ pool, tableName, createTableIfMissing: true, pruneSessionInterval: false });
      }),
  },
  'cookie-session': {
    kind: 'cookie',
    ours: false,
    build: async () => {
      const cookieSession = (await import('cookie-session')).default;
      const app = express();
      app.use(cookieSession({ name: 'session', keys: [SECRET] }));
      return routingControllers(app, ReqSessionController);
    },
  },
  'iron-session': { kind: 'encrypted', ours: false, build: async () => routingControllers(express(), IronController) },
  'this library, InMemoryBackend': { kind: 'memory', ours: true, build: library(() => new InMemoryBackend()) },
  // The options of issue 15 configured but unused by these routes: they must cost what the line above costs.
  'this library, InMemoryBackend + header, renewal, maxLifetime': {
    kind: 'memory',
    ours: true,
    build: library(() => new InMemoryBackend(), {
      header: 'authorization',
      renewAfter: 3600,
      maxLifetime: 30 * 24 * 3600,
    }),
  },
  'this library, InMemoryBackend + locked read and counter': {
    kind: 'memory',
    ours: true,
    build: library(() => new InMemoryBackend(), {}, LockingLibraryController),
  },
  'this library, CookieBackend': {
    kind: 'cookie',
    ours: true,
    build: library(() => new CookieBackend({ secretKey: SECRET })),
  },
  'this library, EncryptedCookieBackend': {
    kind: 'encrypted',
    ours: true,
    build: library(() => new EncryptedCookieBackend({ secretKey: SECRET })),
  },
  'this library, RedisBackend': {
    kind: 'redis',
    ours: true,
    needs: 'redis',
    // BENCH_REDIS_USER_KEY: with a user index under that key (the Redis-time measure).
    build: library(
      async () =>
        new RedisBackend({
          client: await redisClient(`${UNIQUE}:rcs:`),
          prefix: `${UNIQUE}:rcs:`,
          userKey: process.env.BENCH_REDIS_USER_KEY,
        }),
    ),
  },
  'this library, RedisBackend sealed': {
    kind: 'redis',
    ours: true,
    needs: 'redis',
    build: library(
      async () =>
        new RedisBackend({
          client: await redisClient(`${UNIQUE}:sealed:`),
          prefix: `${UNIQUE}:sealed:`,
          encryptAtRest: { secretKey: SECRET },
        }),
    ),
  },
  'this library, PostgresBackend': {
    kind: 'postgres',
    ours: true,
    needs: 'postgres',
    build: library(async () => {
      const pool = await postgresPool();
      const table = `${UNIQUE}_rcs`;
      cleanUps.push(() => pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_locks`));
      return new PostgresBackend({ pool, table, pruneInterval: 0 });
    }),
  },
  'this library, SqliteBackend': {
    kind: 'sqlite',
    ours: true,
    build: library(async () => {
      const { mkdtempSync, rmSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { tmpdir } = await import('node:os');
      const folder = mkdtempSync(join(tmpdir(), 'rcs-bench-'));
      cleanUps.push(async () => rmSync(folder, { recursive: true, force: true }));
      return new SqliteBackend({ filename: join(folder, 'sessions.db'), pruneInterval: 0 });
    }),
  },
};
