/**
 * What one session request costs inside redis-server, by Redis's own clock: Redis is single-threaded and shared by
 * every instance of an app, so this decides how much session traffic one Redis (or one shard) carries.
 *
 * The bench starts Redis servers of its own (one, and a cluster of three masters) with the slow log recording every
 * command (`slowlog-log-slower-than 0`). The slow log times each command the way INFO commandstats does, and tells
 * what a client sent from what ran inside it: a script's inner commands are logged under the client `?:0` and left
 * out (the script's own entry includes them). For each app and route, after priming, `REQUESTS` requests of one
 * session are sent one by one, each followed by a mark in the slow log; then the log is read and split at the marks,
 * and the durations of the commands each request sent are summed (see {@link sentCommands} for transactions) and
 * averaged: the slow log counts whole microseconds, and the mean is what a Redis core carries. Then as many requests
 * again with the slow log off, for redis-server's own CPU time (INFO cpu, the main thread), which includes reading
 * and parsing each command and writing its reply, less what the servers spend idle in as long.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { once } from 'node:events';
import { createClient } from 'redis';
import { RedisCluster, RedisServerProcess } from '../spec/support/redis-server';
import type { Route } from './apps';
import { JarClient } from './client';

const REQUESTS = 400;
const ROUNDS = 3;
const PRIMING = 50;
/** Commands of the drivers' connection upkeep (a cluster client's topology refresh), not of a request. */
const UPKEEP = new Set(['CLUSTER', 'INFO', 'PING', 'CLIENT', 'COMMAND', 'HELLO', 'SELECT', 'READONLY']);
/** Every command into the slow log. */
const SLOW_LOG_ALL = ['--slowlog-log-slower-than', '0', '--slowlog-max-len', '10000'];
const MEASURED_ROUTES = ['read', 'counter'] as const satisfies readonly Route[];

/** One way of reaching Redis: a driver and a topology. */
interface RedisSetup {
  driver: 'node-redis' | 'ioredis';
  cluster: boolean;
}

/** One measured app on one setup. */
interface RedisVariant {
  app: string;
  label: string;
  /** More environment for the server (the user index). */
  env?: Record<string, string>;
  /** Logs the session in first (for the user index). */
  login?: boolean;
  /** connect-redis speaks only node-redis. */
  drivers?: RedisSetup['driver'][];
}

export const RIVAL = 'express-session + connect-redis';
const VARIANTS: RedisVariant[] = [
  { app: RIVAL, label: RIVAL, drivers: ['node-redis'] },
  { app: 'this library, RedisBackend', label: 'RedisBackend' },
  {
    app: 'this library, RedisBackend',
    label: 'RedisBackend, userKey, logged in',
    env: { BENCH_REDIS_USER_KEY: 'userId' },
    login: true,
  },
];
/** The most Redis time this library may take per request, as a multiple of connect-redis's (issue 17). */
export const REDIS_TARGETS: Record<(typeof MEASURED_ROUTES)[number], number> = { read: 1.5, counter: 2 };

/** Per route: Redis µs per request and the commands sent per request. */
export interface RedisTimeRow {
  setup: string;
  label: string;
  micros: Record<string, number>;
  /** redis-server's own CPU µs per request (main thread, slow log off, idle work left out): I/O and parsing too. */
  cpu: Record<string, number>;
  commands: Record<string, string>;
}

/**
 * Measures every variant on every setup, with servers started here and stopped by their pids: `ROUNDS` rounds, each
 * variant in another place of each, and the median round. Redis gets a core of its own where `taskset` can give it
 * one, so that the app's and the client's work does not land inside its commands' times.
 */
export async function measureRedisTime(script: string, log: (line: string) => void): Promise<RedisTimeRow[]> {
  const rows: RedisTimeRow[] = [];
  for (const cluster of [false, true]) {
    const servers = cluster
      ? await RedisCluster.start(SLOW_LOG_ALL)
      : await RedisServerProcess.start({ extraArgs: SLOW_LOG_ALL }).then(node => ({
          nodes: [node],
          ports: [node.port],
          stop: () => node.kill(),
        }));
    try {
      pin(process.pid, '0');
      for (const node of servers.nodes) pin(node.pid, '1');
      const jobs = (['node-redis', 'ioredis'] as const).flatMap(driver =>
        VARIANTS.filter(variant => variant.drivers?.includes(driver) ?? true).map(variant => ({
          variant,
          driver,
          setup: `${driver}${cluster ? ' cluster' : ''}`,
        })),
      );
      const idle = await idleCpuRate(servers.ports);
      const rounds = jobs.map((): RedisTimeRow[] => []);
      for (let round = 0; round < ROUNDS; round++) {
        for (let k = 0; k < jobs.length; k++) {
          const i = (k + round) % jobs.length;
          const { variant, driver, setup } = jobs[i];
          rounds[i].push(await measureVariant(script, variant, setup, { driver, cluster }, servers.ports, idle));
        }
        log(`  Redis time: round ${round + 1} of ${ROUNDS} on ${cluster ? 'a cluster' : 'one server'}`);
      }
      for (const measured of rounds) rows.push(medianRow(measured));
    } finally {
      pin(process.pid, `0-${cpus().length - 1}`);
      await servers.stop();
    }
  }
  return rows;
}

/** The median of each route's figure over rounds of one variant. */
function medianRow(rounds: RedisTimeRow[]): RedisTimeRow {
  const median = (figure: (row: RedisTimeRow) => number) => {
    const sorted = rounds.map(figure).sort((a, b) => a - b);
    return sorted[sorted.length >> 1];
  };
  const micros: Record<string, number> = {};
  const cpu: Record<string, number> = {};
  for (const route of MEASURED_ROUTES) {
    micros[route] = median(row => row.micros[route]);
    cpu[route] = median(row => row.cpu[route]);
  }
  return { ...rounds[0], micros, cpu };
}

/** Keeps the process `pid` on `cores` (a taskset list), where `taskset` is installed (the bench runs without it). */
function pin(pid: number | undefined, cores: string): void {
  if (pid !== undefined && existsSync('/usr/bin/taskset') && cpus().length > 1) {
    execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
  }
}

async function measureVariant(
  script: string,
  variant: RedisVariant,
  setup: string,
  { driver, cluster }: RedisSetup,
  ports: number[],
  idle: number,
): Promise<RedisTimeRow> {
  const env = {
    ...process.env,
    ...variant.env,
    BENCH_REDIS_DRIVER: driver,
    BENCH_REDIS_NODES: ports.join(','),
    BENCH_REDIS_CLUSTER: cluster ? '1' : '0',
  };
  const child = spawn(process.execPath, [script, variant.app], { stdio: ['ignore', 'pipe', 'inherit'], env });
  pin(child.pid, '0');
  const nodes = await Promise.all(ports.map(port => Control.connect(port)));
  try {
    const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
    const client = new JarClient(Number(chunk.toString().trim()));
    await client.get(variant.login ? '/login' : '/counter');
    for (const route of MEASURED_ROUTES) await client.repeat(`/${route}`, PRIMING);
    const row: RedisTimeRow = { setup, label: variant.label, micros: {}, cpu: {}, commands: {} };
    for (const route of MEASURED_ROUTES) {
      await Promise.all(nodes.map(node => node.reset()));
      for (let i = 0; i < REQUESTS; i++) {
        await client.get(`/${route}`);
        await Promise.all(nodes.map(node => node.mark()));
      }
      let micros = 0;
      const shapes = new Map<string, number>();
      const perNode = await Promise.all(
        nodes.map(async node => ({ log: await node.slowLog(), exec: await node.execMicros() })),
      );
      for (const { exec } of perNode) micros += exec;
      for (let i = 0; i < REQUESTS; i++) {
        const parts: string[] = [];
        for (const { log } of perNode) {
          const sent = sentCommands(log[i] ?? []);
          micros += sent.micros;
          parts.push(...sent.names);
        }
        const shape = parts.join(' + ');
        shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
      }
      row.micros[route] = micros / REQUESTS;
      row.cpu[route] = await cpuPerRequest(nodes, idle, () => client.repeat(`/${route}`, REQUESTS));
      // The commands of most requests (a priming leftover or a key's expiry can change a few).
      row.commands[route] = [...shapes].sort((a, b) => b[1] - a[1])[0][0];
    }
    client.close();
    return row;
  } finally {
    await stop(child);
    for (const node of nodes) node.close();
  }
}

/**
 * redis-server's main-thread CPU µs per request while `run` sends `REQUESTS` requests with the slow log off, less
 * `idle` (CPU µs per ms the servers spend on their own) for as long as it took.
 */
async function cpuPerRequest(nodes: Control[], idle: number, run: () => Promise<void>): Promise<number> {
  await Promise.all(nodes.map(node => node.logEveryCommand(false)));
  const before = await totalCpu(nodes);
  const started = performance.now();
  await run();
  const elapsed = performance.now() - started;
  const used = (await totalCpu(nodes)) - before;
  await Promise.all(nodes.map(node => node.logEveryCommand(true)));
  return Math.max(0, used - idle * elapsed) / REQUESTS;
}

/** The CPU µs per ms the servers on `ports` spend with no client sending anything (their timers), over a second. */
async function idleCpuRate(ports: number[]): Promise<number> {
  const nodes = await Promise.all(ports.map(port => Control.connect(port)));
  try {
    const before = await totalCpu(nodes);
    const started = performance.now();
    await new Promise(resolve => setTimeout(resolve, 1000));
    return ((await totalCpu(nodes)) - before) / (performance.now() - started);
  } finally {
    for (const node of nodes) node.close();
  }
}

async function totalCpu(nodes: Control[]): Promise<number> {
  let micros = 0;
  for (const node of nodes) micros += await node.cpuMicros();
  return micros;
}

type SlowLogEntry = [id: number, time: number, micros: number, args: string[], address: string, name: string];

/**
 * The time and the names of the commands one request sent to one node, from its slow log entries. A transaction
 * counts as MULTI here and EXEC from commandstats (which includes the commands inside: the slow log lists them, but
 * not EXEC itself, whose own work would be missed). A transaction's commands all name one key, and come right after
 * its MULTI on its connection: the first entry of another key (or a script) ends it.
 */
function sentCommands(entries: SlowLogEntry[]): { micros: number; names: string[] } {
  let micros = 0;
  const names: string[] = [];
  /** Per connection: the open transaction's key (once its first command is seen) and its commands. */
  const open = new Map<string, { key?: string; names: string[] }>();
  for (const [, , duration, args, address, clientName] of entries) {
    const name = String(args[0]).toUpperCase();
    if (address === '?:0' || clientName === CONTROL || UPKEEP.has(name)) continue;
    const transaction = open.get(address);
    if (transaction !== undefined && name !== 'MULTI' && !name.startsWith('EVAL')) {
      transaction.key ??= args[1];
      if (args[1] === transaction.key) {
        transaction.names.push(name);
        continue;
      }
    }
    if (transaction !== undefined) {
      names.push(`MULTI ${transaction.names.join(' ')} EXEC`);
      open.delete(address);
    }
    micros += duration;
    if (name === 'MULTI') open.set(address, { names: [] });
    else names.push(name);
  }
  for (const transaction of open.values()) names.push(`MULTI ${transaction.names.join(' ')} EXEC`);
  return { micros, names };
}

const CONTROL = 'bench-control';
const MARK = 'bench-request-end';

/** A connection of the bench to one node, named so that its own commands are left out. */
class Control {
  private constructor(private readonly client: ReturnType<typeof createClient>) {}

  static async connect(port: number): Promise<Control> {
    const client = createClient({ url: `redis://127.0.0.1:${port}`, name: CONTROL });
    await client.connect();
    return new Control(client);
  }

  /** Empties the slow log and the command statistics. */
  async reset(): Promise<void> {
    await this.client.sendCommand(['SLOWLOG', 'RESET']);
    await this.client.sendCommand(['CONFIG', 'RESETSTAT']);
  }

  /** Ends a request in the slow log: one small command, so that the log splits into requests. */
  async mark(): Promise<void> {
    await this.client.sendCommand(['ECHO', MARK]);
  }

  /** The slow log since the reset, oldest first, split into requests at the marks. */
  async slowLog(): Promise<SlowLogEntry[][]> {
    const entries = (await this.client.sendCommand(['SLOWLOG', 'GET', '-1'])) as SlowLogEntry[];
    const requests: SlowLogEntry[][] = [[]];
    for (const entry of entries.sort((a, b) => a[0] - b[0])) {
      if (entry[3][0] === 'ECHO' && entry[3][1] === MARK) requests.push([]);
      else requests.at(-1)!.push(entry);
    }
    return requests;
  }

  /** Every command into the slow log, or none. */
  async logEveryCommand(on: boolean): Promise<void> {
    await this.client.sendCommand(['CONFIG', 'SET', 'slowlog-log-slower-than', on ? '0' : '-1']);
  }

  /** The main thread's CPU time so far, in µs. */
  async cpuMicros(): Promise<number> {
    const stats = String(await this.client.sendCommand(['INFO', 'cpu']));
    const seconds = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(stats)?.[1] ?? NaN);
    return (seconds('used_cpu_user_main_thread') + seconds('used_cpu_sys_main_thread')) * 1e6;
  }

  /** The microseconds of every EXEC since the reset, by INFO commandstats. */
  async execMicros(): Promise<number> {
    const stats = String(await this.client.sendCommand(['INFO', 'commandstats']));
    return Number(/^cmdstat_exec:.*?usec=(\d+)/m.exec(stats)?.[1] ?? 0);
  }

  close(): void {
    this.client.destroy();
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}
