/**
 * Heap per live session: `node --expose-gc memory.js <store>` fills a store with 100 000 sessions as its middleware
 * would write them (a counter and the store's own bookkeeping), collects garbage, and prints the heap grown per
 * session. Run in a fresh process per store, so that one store's garbage never counts for another.
 */
import { randomBytes } from 'node:crypto';
import { InMemoryBackend } from '../src';

const SESSIONS = 100_000;
const DAY = 24 * 3600;

type Fill = () => Promise<unknown>;

const STORES: Record<string, () => Promise<Fill>> = {
  'this library, InMemoryBackend': async () => {
    const backend = new InMemoryBackend({ maxEntries: SESSIONS });
    const now = Math.floor(Date.now() / 1000);
    const record = { count: 1, __session: { created: now, accessed: now, expires: now + DAY } };
    return async () => {
      for (let i = 0; i < SESSIONS; i++)
        await backend.write(record, undefined, { now, lifetime: DAY, ttl: DAY, isNew: true });
      return backend;
    };
  },
  'express-session MemoryStore': async () => {
    const store = new (await import('express-session')).default.MemoryStore();
    return async () => {
      for (let i = 0; i < SESSIONS; i++) {
        // What express-session stores: its cookie, then the data; ids are 24 random bytes in base64url.
        const expires = new Date(Date.now() + DAY * 1000);
        const session = { cookie: { originalMaxAge: DAY * 1000, expires, httpOnly: true, path: '/' }, count: 1 };
        await new Promise(resolve => store.set(randomBytes(24).toString('base64url'), session as never, resolve));
      }
      return store;
    };
  },
};

async function main(): Promise<void> {
  const fill = await STORES[process.argv[2]]();
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = await fill();
  gc();
  const after = process.memoryUsage().heapUsed;
  process.stdout.write(`${(after - before) / SESSIONS}\n`);
  if (kept === undefined) throw new Error('unreachable: keeps the store alive until measured');
}

export const MEMORY_STORES = Object.keys(STORES);

if (require.main === module) void main();
