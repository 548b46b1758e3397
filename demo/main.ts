/**
 * `npm start`: serves the demo on http://localhost:3000 (or $PORT). With REDIS_URL set, sessions live in Redis
 * (RedisBackend over node-redis); with DATABASE_URL, in PostgreSQL (PostgresBackend over pg); with SQLITE_FILE, in that
 * SQLite file (SqliteBackend); otherwise in a signed cookie.
 */
// First: the library's decorators record constructor types through it.
import 'reflect-metadata';
import { PostgresBackend, RedisBackend, SqliteBackend } from '../src';
import { createDemoApp, type DemoBackend } from './app';

/** How long the first connection to a store may take before the demo gives up. */
const CONNECT_ATTEMPTS = 5;

/** A RedisBackend on `url`. The driver is loaded only when used; an unreachable Redis fails within seconds. */
async function redisBackend(url: string): Promise<DemoBackend> {
  const { createClient } = await import('redis');
  let connected = false;
  // Fail fast when Redis is down: no offline queue, quick reconnects (see docs/backends.md, RedisBackend), and
  // at start-up a few attempts only.
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 1000,
      reconnectStrategy: (retries, cause) =>
        !connected && retries >= CONNECT_ATTEMPTS ? cause : Math.min(50 * 2 ** retries, 1000),
    },
  });
  // Once running, a lost connection is worth a line; before, the failure below says it all.
  client.on('error', (error: Error) => connected && console.warn(`Redis: ${error.message}`));
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`Redis at ${redacted(url)} cannot be reached (${(error as Error).message})`, { cause: error });
  }
  connected = true;
  return { backend: new RedisBackend({ client, prefix: 'demo:session:' }), label: 'Redis' };
}

/** A PostgresBackend on `url`, checked with one query so that an unreachable database fails at start. */
async function postgresBackend(url: string): Promise<DemoBackend> {
  const { Pool } = await import('pg');
  const pool = new Pool({ connectionString: url, connectionTimeoutMillis: 2000, query_timeout: 5000 });
  pool.on('error', (error: Error) => console.warn(`PostgreSQL: ${error.message}`));
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(`PostgreSQL at ${redacted(url)} cannot be reached (${(error as Error).message})`, { cause: error });
  }
  return { backend: new PostgresBackend({ pool, table: 'demo_sessions' }), label: 'PostgreSQL' };
}

/** A backend from the environment: REDIS_URL, DATABASE_URL, SQLITE_FILE, or none (the signed cookie). */
async function storeFromEnvironment(): Promise<DemoBackend> {
  if (process.env.REDIS_URL) return redisBackend(process.env.REDIS_URL);
  if (process.env.DATABASE_URL) return postgresBackend(process.env.DATABASE_URL);
  if (process.env.SQLITE_FILE)
    return { backend: new SqliteBackend({ filename: process.env.SQLITE_FILE }), label: 'SQLite' };
  return {};
}

/** The URL without its password. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured URL';
  }
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  const store = await storeFromEnvironment();
  // Cookie sessions are signed with the secret: a random one ends them when the demo restarts.
  if (!process.env.SESSION_SECRET && store.backend === undefined) {
    console.warn('SESSION_SECRET is not set: using a random secret, so sessions end when the demo restarts.');
  }
  createDemoApp(undefined, store).listen(port, '127.0.0.1', () => {
    console.log(`Demo running at http://localhost:${port}/, sessions in ${store.label ?? 'a signed cookie'}.`);
  });
}

main().catch((error: Error) => {
  console.error(`The demo cannot start: ${error.message}`);
  process.exit(1);
});
