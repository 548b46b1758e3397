/**
 * `npm run bench`: throughput of session routes as a ratio to a bare routing-controllers route, measured side by
 * side (alternating runs against servers in their own processes, loaded over loopback with autocannon).
 *
 * Targets: untouched session >= 0.98, counter on InMemoryBackend >= 0.90, on CookieBackend >= 0.88, on Redis >= 0.80
 * (Redis at REDIS_URL or 127.0.0.1:6379).
 * `BENCH_CASES=InMemory,Encrypted` runs only the cases whose names contain one of the words (and the two baselines).
 */
import autocannon from 'autocannon';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

interface Case {
  name: string;
  /** The backend of this case's server; every case gets a server process of its own. */
  server: 'memory' | 'cookie' | 'encrypted' | 'redis' | 'redis-sealed';
  path: string;
  target?: number;
  /** Send a session cookie, obtained from the counter route first. */
  withSession?: boolean;
}

const ALL_CASES: Case[] = [
  { name: 'bare routing-controllers', server: 'cookie', path: '/bare/hello' },
  { name: 'a class middleware doing nothing', server: 'cookie', path: '/noop/hello' },
  {
    name: 'session middleware, never loaded',
    server: 'cookie',
    path: '/session/hello',
    target: 0.98,
    withSession: true,
  },
  { name: 'counter, InMemoryBackend', server: 'memory', path: '/session/counter', target: 0.9, withSession: true },
  { name: 'counter, CookieBackend', server: 'cookie', path: '/session/counter', target: 0.88, withSession: true },
  { name: 'counter, EncryptedCookieBackend', server: 'encrypted', path: '/session/counter', withSession: true },
  {
    name: 'counter, RedisBackend (node-redis)',
    server: 'redis',
    path: '/session/counter',
    target: 0.8,
    withSession: true,
  },
  {
    name: 'counter, RedisBackend (node-redis) with encryptAtRest',
    server: 'redis-sealed',
    path: '/session/counter',
    withSession: true,
  },
];
const selected = process.env.BENCH_CASES?.split(',');
const CASES = ALL_CASES.filter(
  (test, i) => i < 2 || selected === undefined || selected.some(word => test.name.includes(word)),
);

const ROOT = join(__dirname, '..');

/** Servers run compiled JavaScript, as users run them: ts-node alone loads `domain`, which slows every emit. */
function build(): string {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.bench.json')], {
    stdio: 'inherit',
  });
  return join(ROOT, '.bench-build', 'bench', 'server.js');
}

async function startServer(script: string, scenario: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [script, scenario], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, port: Number(chunk.toString().trim()) };
}

async function sessionCookie(port: number, path: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

async function serverCpu(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/__cpu`);
  return ((await res.json()) as { micros: number }).micros;
}

/** Requests per second, and the server's CPU microseconds per request. */
async function measure(
  port: number,
  test: Case,
  cookie: string,
  duration = DURATION,
): Promise<{ rate: number; cpu: number }> {
  const headers: Record<string, string> = cookie ? { cookie } : {};
  const before = await serverCpu(port);
  const result = await autocannon({ url: `http://127.0.0.1:${port}${test.path}`, connections: 16, duration, headers });
  const cpu = (await serverCpu(port)) - before;
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${test.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rate: result.requests.average, cpu: cpu / result.requests.total };
}

async function main(): Promise<void> {
  const script = build();
  // One process per case: a process that serves one kind of request only, like the bare app it is compared with.
  const servers = await Promise.all(CASES.map(test => startServer(script, test.server)));
  try {
    // One session cookie per case, fetched once: the never-loaded case must not see a loaded session between rounds.
    const cookies = await Promise.all(
      CASES.map((test, i) => (test.withSession ? sessionCookie(servers[i].port, '/session/counter') : '')),
    );
    // Warm-up: let the JIT settle before anything counts.
    for (const [i, test] of CASES.entries()) await measure(servers[i].port, test, cookies[i], 2);
    const samples = CASES.map(() => ({ rates: [] as number[], cpus: [] as number[] }));
    for (let round = 0; round < ROUNDS; round++) {
      // A different order each round, so no case always runs right after the same neighbour.
      const order = CASES.map((_, i) => (i + round) % CASES.length);
      for (const i of order) {
        // A server idle while the others ran has let V8 age its code: one unmeasured second brings it back.
        await measure(servers[i].port, CASES[i], cookies[i], 1);
        const { rate, cpu } = await measure(servers[i].port, CASES[i], cookies[i]);
        samples[i].rates.push(rate);
        samples[i].cpus.push(cpu);
      }
    }
    const rates = new Map(CASES.map((test, i) => [test.name, median(samples[i].rates)]));
    const cpus = new Map(CASES.map((test, i) => [test.name, median(samples[i].cpus)]));
    const bare = rates.get(CASES[0].name)!;
    const bareCpu = cpus.get(CASES[0].name)!;
    console.log(
      `median of ${ROUNDS} rounds of ${DURATION} s after a warm-up, 16 connections, one server process per case\n`,
    );
    console.log(
      'case'.padEnd(36) +
        'req/s'.padStart(8) +
        'ratio'.padStart(8) +
        'CPU µs/req'.padStart(12) +
        'CPU ratio'.padStart(11) +
        'target'.padStart(8),
    );
    for (const test of CASES) {
      const ratio = rates.get(test.name)! / bare;
      const cpu = cpus.get(test.name)!;
      const verdict = test.target === undefined ? '' : ratio >= test.target ? '  ok' : '  below';
      console.log(
        test.name.padEnd(36) +
          rates.get(test.name)!.toFixed(0).padStart(8) +
          ratio.toFixed(3).padStart(8) +
          cpu.toFixed(1).padStart(12) +
          (bareCpu / cpu).toFixed(3).padStart(11) +
          (test.target?.toFixed(2) ?? '').padStart(8) +
          verdict,
      );
    }
    console.log("\nCPU ratio: bare CPU per request / this case's, the throughput ratio of a CPU-bound server.");
  } finally {
    for (const { child } of servers) child.kill();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
