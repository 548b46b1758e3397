/**
 * `npm start`: serves the demo on http://localhost:3000 (or $PORT). With REDIS_URL set, sessions live in Redis
 * (RedisBackend over node-redis); otherwise in a signed cookie.
 */
// First: the library's decorators record constructor types through it.
import 'reflect-metadata';
import { RedisBackend, type SessionBackend } from '../src';
import { createDemoApp } from './app';

/** A RedisBackend on REDIS_URL, or undefined for the default backend. The driver is loaded only when used. */
async function redisBackend(url: string | undefined): Promise<SessionBackend | undefined> {
  if (!url) return undefined;
  const { createClient } = await import('redis');
  // Fail fast when Redis is down: no offline queue, quick reconnects (see the README's RedisBackend section).
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 1000, reconnectStrategy: retries => Math.min(50 * 2 ** retries, 1000) },
  });
  client.on('error', error => console.warn(`Redis: ${(error as Error).message}`));
  await client.connect();
  console.log('Sessions are stored in Redis (REDIS_URL).');
  return new RedisBackend({ client, prefix: 'demo:session:' });
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  if (!process.env.SESSION_SECRET) {
    console.warn('SESSION_SECRET is not set: using a random secret, so sessions end when the demo restarts.');
  }
  const backend = await redisBackend(process.env.REDIS_URL);
  createDemoApp(undefined, backend).listen(port, '127.0.0.1', () => {
    console.log(`Demo running at http://localhost:${port}/`);
  });
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
