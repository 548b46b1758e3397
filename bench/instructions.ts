/**
 * Instructions per request, counted by valgrind's callgrind on the server process: steady on a noisy machine, where
 * wall-clock figures are not. One server under callgrind per app, started with instrumentation off so that a long
 * warm-up runs near native speed; then, for each route, the counters are dumped (`callgrind_control --dump`)
 * after each of several windows of requests, and the median window, less what a dump with no request costs, over
 * the window's size is what one request costs. The median leaves out the rare window that holds a full garbage
 * collection or a recompilation (hundreds of millions of instructions at once), which would make the figure
 * depend on where the windows fall; throughput includes them.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Route } from './apps';
import { JarClient } from './client';

/**
 * Requests of every route before any is counted: V8 compiles hot code in tiers, on background threads that
 * callgrind counts too, and a window that still sees compilation counts it as the request's cost.
 */
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 3000);
/**
 * Requests per counted window; the median of {@link WINDOWS} windows is taken. A small window mostly misses the
 * garbage collector, which runs every few hundred requests: BENCH_WINDOW=600 counts it, at six times the run time
 * (bare 592k -> 601k instructions a request, this library's InMemory counter about 5 % more).
 */
const WINDOW = Number(process.env.BENCH_WINDOW ?? 100);
const WINDOWS = 7;
/** Longest wait for a server under valgrind to start listening. */
const START_TIMEOUT_MS = 120_000;

/** Whether valgrind and callgrind_control are installed. */
export function hasCallgrind(): boolean {
  return ['/usr/bin/valgrind', '/usr/bin/callgrind_control'].every(existsSync);
}

/** Instructions per request of each route of the app `name`, served by the compiled `script`. */
export async function instructionsPerRequest(
  script: string,
  name: string,
  routes: readonly Route[],
  withSession: boolean,
): Promise<Record<Route, number>> {
  const folder = mkdtempSync(join(tmpdir(), 'rcs-callgrind-'));
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      `--callgrind-out-file=${join(folder, 'out')}`,
      process.execPath,
      script,
      name,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    const port = await listeningPort(child);
    const client = new JarClient(port);
    if (withSession) await client.get('/counter');
    for (let i = 0; i < WARM_UP; i++) for (const route of routes) await client.get(`/${route}`);
    await control(child, '--instr=on');
    await dump(child, folder);
    const overhead = median([await dump(child, folder), await dump(child, folder), await dump(child, folder)]);
    const counts = {} as Record<Route, number>;
    for (const route of routes) {
      await client.repeat(`/${route}`, 20); // this route's code in the caches again
      await dump(child, folder);
      const windows: number[] = [];
      for (let i = 0; i < WINDOWS; i++) {
        await client.repeat(`/${route}`, WINDOW);
        windows.push(await dump(child, folder));
      }
      counts[route] = (median(windows) - overhead) / WINDOW;
    }
    client.close();
    return counts;
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Dumps the counters of `child` (which zeroes them) and returns the instructions counted since the last dump. */
async function dump(child: ChildProcess, folder: string): Promise<number> {
  const before = new Set(readdirSync(folder));
  await control(child, '--dump');
  for (;;) {
    const file = readdirSync(folder).find(entry => !before.has(entry) && entry !== 'out');
    const text = file === undefined ? '' : readFileSync(join(folder, file), 'utf8');
    const totals = /^totals: (\d+)/m.exec(text);
    if (totals !== null) return Number(totals[1]);
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

function control(child: ChildProcess, command: string): Promise<unknown> {
  return promisify(execFile)('callgrind_control', [command, String(child.pid)]);
}

async function listeningPort(child: ChildProcess): Promise<number> {
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
  try {
    const [chunk] = (await Promise.race([
      once(child.stdout!, 'data'),
      once(child, 'exit').then(() => Promise.reject(new Error(`server under valgrind exited: ${errors.slice(-500)}`))),
    ])) as [Buffer];
    return Number(chunk.toString().trim());
  } finally {
    clearTimeout(timer);
  }
}
