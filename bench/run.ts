/**
 * `npm run bench`: bare routing-controllers, the session libraries users choose between (express-session with its
 * MemoryStore, connect-redis and connect-pg-simple; cookie-session; iron-session) and this library on every backend,
 * each in a server process of its own, on three routes (see apps.ts). Two measures, side by side:
 *
 * - instructions per request under callgrind (instructions.ts): steady, the one the targets are judged on;
 * - throughput with a cookie jar per connection, apps interleaved, the median of several rounds (throughput.ts).
 *
 * And the heap per live in-memory session, beside express-session's MemoryStore (memory.ts), and the time Redis
 * itself spends on a session request, beside connect-redis, on both drivers, one server and a cluster (redis-time.ts).
 *
 * Prints one table of ratios to bare and writes bench/results.md. Loopback only; every process it starts is stopped
 * by its pid. Settings: BENCH_APPS (words an app's name must contain, comma-separated), BENCH_MEASURES
 * (any of `instructions`, `throughput`, `memory`, `redis`; all by default), BENCH_ROUNDS (3), BENCH_SECONDS (2).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { APPS, ROUTES, type Route } from './apps';
import { hasCallgrind, instructionsPerRequest } from './instructions';
import { MEMORY_STORES } from './memory';
import { measureRedisTime, type RedisTimeRow } from './redis-time';
import { type Measured, memoryTable, ratioTable, redisTimeTable, resultsMarkdown } from './report';
import { redisServerMissing } from '../spec/support/redis-server';
import { sessionClients, throughput } from './throughput';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const MEASURES = (process.env.BENCH_MEASURES ?? 'instructions,throughput,memory,redis').split(',');
/** Servers under callgrind at once: one per core. */
const PARALLEL_CALLGRIND = 2;
const ROOT = join(__dirname, '..');

/** Servers run compiled JavaScript, as users run them. */
function build(): string {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.bench.json')], {
    stdio: 'inherit',
  });
  return join(ROOT, '.bench-build', 'bench');
}

function reachable(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** The apps to run, and a reason for each one left out. */
async function selectApps(): Promise<{ names: string[]; skipped: string[] }> {
  const words = process.env.BENCH_APPS?.split(',');
  const services = { redis: await reachable(6379), postgres: await reachable(5432) };
  const names: string[] = [];
  const skipped: string[] = [];
  for (const [name, app] of Object.entries(APPS)) {
    if (app.kind !== 'none' && words !== undefined && !words.some(word => name.includes(word))) continue;
    if (app.needs !== undefined && !services[app.needs]) skipped.push(`${name} (no ${app.needs} on 127.0.0.1)`);
    else names.push(name);
  }
  return { names, skipped };
}

async function startServer(script: string, name: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [script, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, port: Number(chunk.toString().trim()) };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

async function measureThroughput(script: string, names: string[], results: Map<string, Measured>): Promise<void> {
  const servers = await Promise.all(names.map(name => startServer(script, name)));
  try {
    const clients = await Promise.all(
      servers.map(({ port }, i) => sessionClients(port, APPS[names[i]].kind !== 'none')),
    );
    const samples = names.map(() => ROUTES.map(() => ({ rates: [] as number[], cpus: [] as number[] })));
    for (let round = 0; round <= ROUNDS; round++) {
      for (const [r, route] of ROUTES.entries()) {
        if (route !== 'untouched' && round === 0) continue;
        // A different order each round, so that no app always follows the same neighbour.
        for (let k = 0; k < names.length; k++) {
          const i = (k + round) % names.length;
          if (APPS[names[i]].kind === 'none' && route !== 'untouched') continue;
          // Round 0 is the warm-up; a server idle while the others ran gets half a second before it counts.
          await throughput(clients[i], `/${route}`, round === 0 ? SECONDS : 0.5);
          if (round === 0) continue;
          const { rate, cpu } = await throughput(clients[i], `/${route}`, SECONDS);
          samples[i][r].rates.push(rate);
          samples[i][r].cpus.push(cpu);
        }
      }
    }
    for (const [i, name] of names.entries()) {
      const measured = results.get(name)!;
      measured.rate = perRoute(route => median(samples[i][ROUTES.indexOf(route)].rates));
      measured.cpu = perRoute(route => median(samples[i][ROUTES.indexOf(route)].cpus));
    }
    for (const list of clients) for (const client of list) client.close();
  } finally {
    await Promise.all(servers.map(({ child }) => stop(child)));
  }
}

async function measureInstructions(script: string, names: string[], results: Map<string, Measured>): Promise<void> {
  const queue = [...names];
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const routes = APPS[name].kind === 'none' ? (['untouched'] as const) : ROUTES;
      results.get(name)!.instructions = await instructionsPerRequest(script, name, routes, APPS[name].kind !== 'none');
      console.log(`  counted: ${name}`);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_CALLGRIND }, worker));
}

/** Heap bytes per live session of each in-memory store, each filled in a process of its own. */
function measureMemory(folder: string): Map<string, number> {
  const script = join(folder, 'memory.js');
  return new Map(
    MEMORY_STORES.map(store => [
      store,
      Number(execFileSync(process.execPath, ['--expose-gc', script, store], { encoding: 'utf8' }).trim()),
    ]),
  );
}

async function main(): Promise<void> {
  const { names, skipped } = await selectApps();
  if (MEASURES.includes('instructions') && !hasCallgrind()) skipped.push('instruction counts (valgrind not installed)');
  const folder = build();
  const script = join(folder, 'server.js');
  const results = new Map(names.map(name => [name, {} as Measured]));
  const started = Date.now();
  if (MEASURES.includes('throughput')) {
    console.log(`throughput: ${names.length} apps, ${ROUNDS} rounds of ${SECONDS} s per route...`);
    await measureThroughput(script, names, results);
  }
  if (MEASURES.includes('instructions') && hasCallgrind()) {
    console.log(`instructions: ${names.length} apps under callgrind, ${PARALLEL_CALLGRIND} at a time...`);
    await measureInstructions(script, names, results);
  }
  const settings =
    `Throughput: median of ${ROUNDS} rounds of ${SECONDS} s per route, 16 keep-alive connections each with its own ` +
    `session; instructions: callgrind, the median of 7 windows of 100 requests after 3000 of every route, uninstrumented. ${Math.round((Date.now() - started) / 1000)} s in all.`;
  const memory = MEASURES.includes('memory') ? measureMemory(folder) : new Map<string, number>();
  let redisTime: RedisTimeRow[] = [];
  if (MEASURES.includes('redis')) {
    const missing = redisServerMissing();
    if (missing === undefined) {
      console.log('Redis time: servers of the bench, every command in the slow log...');
      redisTime = await measureRedisTime(script, line => console.log(line));
    } else skipped.push(`Redis time (${missing})`);
  }
  console.log(`\n${ratioTable(results)}\n`);
  if (memory.size > 0) console.log(`${memoryTable(memory)}\n`);
  if (redisTime.length > 0) console.log(`${redisTimeTable(redisTime)}\n`);
  for (const reason of skipped) console.log(`skipped: ${reason}`);
  const file = join(ROOT, 'bench', 'results.md');
  writeFileSync(file, resultsMarkdown(results, memory, redisTime, settings, skipped));
  console.log(`written: ${file}`);
}

function perRoute(value: (route: Route) => number): Record<Route, number> {
  return Object.fromEntries(ROUTES.map(route => [route, value(route)])) as Record<Route, number>;
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
