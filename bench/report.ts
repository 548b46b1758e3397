/**
 * The bench's verdicts and its table: ratios to bare routing-controllers per route, the targets of this library
 * (issue 14), and the figures behind them, printed and written to bench/results.md.
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { APPS, ROUTES, type Route, type StoreKind } from './apps';
import { REDIS_TARGETS, RIVAL as REDIS_RIVAL, type RedisTimeRow } from './redis-time';

/** What was measured of one app: per route, instructions per request, requests per second, server CPU µs. */
export interface Measured {
  instructions?: Record<Route, number>;
  rate?: Record<Route, number>;
  cpu?: Record<Route, number>;
}

/** The ratio to bare routing-controllers each of this library's rows must reach, by store kind and route. */
const TARGETS: Partial<Record<StoreKind, Record<Route, number>>> = {
  memory: { untouched: 0.99, read: 0.95, counter: 0.93 },
  cookie: { untouched: 0.99, read: 0.93, counter: 0.88 },
  encrypted: { untouched: 0.99, read: 0.92, counter: 0.86 },
  redis: { untouched: 0.99, read: 0.85, counter: 0.8 },
};
/** And the alternative of the same kind each must beat by {@link LEAD}. */
const RIVALS: Partial<Record<StoreKind, string>> = {
  memory: 'express-session MemoryStore',
  cookie: 'cookie-session',
  encrypted: 'iron-session',
  redis: 'express-session + connect-redis',
  postgres: 'express-session + connect-pg-simple',
  sqlite: 'express-session + connect-pg-simple',
};
const LEAD = 1.3;
const BARE = 'bare routing-controllers';

/** Ratio to bare: higher is cheaper; 1 costs what bare routing-controllers costs. */
function ratio(
  results: Map<string, Measured>,
  name: string,
  route: Route,
  measure: 'instructions' | 'rate',
): number | undefined {
  const bare = results.get(BARE)?.[measure]?.untouched;
  const own = results.get(name)?.[measure]?.[route];
  if (bare === undefined || own === undefined) return undefined;
  return measure === 'rate' ? own / bare : bare / own;
}

/** The targets `name` misses on instruction counts, in words; empty when it meets them all. */
function misses(results: Map<string, Measured>, name: string): string[] {
  const app = APPS[name];
  if (!app.ours) return [];
  const missed: string[] = [];
  for (const route of ROUTES) {
    const own = ratio(results, name, route, 'instructions');
    if (own === undefined) continue;
    const target = TARGETS[app.kind]?.[route];
    if (target !== undefined && own < target) missed.push(`${route} ${own.toFixed(2)} < ${target}`);
    const rival = RIVALS[app.kind];
    // PostgreSQL and SQLite are held to the counter only: connect-pg-simple is their only rival.
    const compared = app.kind === 'postgres' || app.kind === 'sqlite' ? route === 'counter' : true;
    const theirs = rival === undefined ? undefined : ratio(results, rival, route, 'instructions');
    // Where the rival does next to nothing (iron-session on a route that never opens the cookie), 1.3 times its
    // ratio would be cheaper than bare routing-controllers: the lead is capped at the route's own target (or 0.99).
    const lead = theirs === undefined ? undefined : Math.min(LEAD * theirs, target ?? 0.99);
    if (compared && lead !== undefined && own < lead)
      missed.push(`${route} ${own.toFixed(2)} < ${lead.toFixed(2)} (${LEAD}x ${rival})`);
  }
  return missed;
}

const fixed = (value: number | undefined, digits = 2) =>
  value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);

/** The table of ratios, one row per app, as Markdown. */
export function ratioTable(results: Map<string, Measured>): string {
  const header = ['app', ...ROUTES.flatMap(route => [`${route} instr`, `${route} req/s`]), 'targets'];
  const rows = [...results.keys()].map(name => {
    const missed = misses(results, name);
    const counted = results.get(name)?.instructions !== undefined;
    const verdict = !APPS[name].ours || !counted ? '' : missed.length === 0 ? 'met' : `missed: ${missed.join('; ')}`;
    return [
      name,
      ...ROUTES.flatMap(route => [
        fixed(ratio(results, name, route, 'instructions')),
        fixed(ratio(results, name, route, 'rate')),
      ]),
      verdict,
    ];
  });
  return markdownTable(header, rows);
}

/** The absolute figures: instructions, requests per second and server CPU per request. */
export function figuresTable(results: Map<string, Measured>): string {
  const header = ['app', ...ROUTES.flatMap(route => [`${route} instr/req`, `${route} req/s`, `${route} CPU µs`])];
  const rows = [...results].map(([name, measured]) => [
    name,
    ...ROUTES.flatMap(route => [
      fixed(measured.instructions?.[route], 0),
      fixed(measured.rate?.[route], 0),
      fixed(measured.cpu?.[route], 1),
    ]),
  ]);
  return markdownTable(header, rows);
}

/** Heap per live session (target: at most 250 bytes for InMemoryBackend). */
export function memoryTable(memory: Map<string, number>): string {
  return markdownTable(
    ['store', 'heap per live session (bytes, 100 000 sessions, after GC)'],
    [...memory].map(([store, bytes]) => [store, bytes.toFixed(0)]),
  );
}

/**
 * Redis µs per request and the commands behind them, each of this library's rows against connect-redis on the same
 * topology (connect-redis speaks only node-redis; the commands, not the driver, decide Redis's time).
 */
export function redisTimeTable(rows: RedisTimeRow[]): string {
  const routes = Object.keys(REDIS_TARGETS) as (keyof typeof REDIS_TARGETS)[];
  const header = [
    'Redis',
    'app',
    ...routes.flatMap(route => [`${route} µs`, `${route} CPU µs`, `${route} commands`]),
    'targets',
  ];
  const lines = rows.map(row => {
    const cluster = row.setup.endsWith('cluster');
    const rival = rows.find(other => other.label === REDIS_RIVAL && other.setup.endsWith('cluster') === cluster);
    const missed =
      rival === undefined || row === rival
        ? undefined
        : routes
            .filter(route => row.micros[route] > REDIS_TARGETS[route] * rival.micros[route])
            .map(
              route => `${route} ${(row.micros[route] / rival.micros[route]).toFixed(2)}x > ${REDIS_TARGETS[route]}x`,
            );
    const verdict = missed === undefined ? '' : missed.length === 0 ? 'met' : `missed: ${missed.join('; ')}`;
    return [
      row.setup,
      row.label,
      ...routes.flatMap(route => [fixed(row.micros[route], 1), fixed(row.cpu[route], 1), row.commands[route]]),
      verdict,
    ];
  });
  return markdownTable(header, lines);
}

export function resultsMarkdown(
  results: Map<string, Measured>,
  memory: Map<string, number>,
  redisTime: RedisTimeRow[],
  settings: string,
  skipped: string[],
): string {
  const versions = ['express', 'routing-controllers'].map(name => {
    const manifest = readFileSync(join(__dirname, '..', 'node_modules', name, 'package.json'), 'utf8');
    return `${name} ${(JSON.parse(manifest) as { version: string }).version}`;
  });
  return [
    '# Bench results',
    '',
    `${new Date().toISOString().slice(0, 10)}; ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'},`,
    `${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${versions.join(', ')}. ${settings}`,
    '',
    'Ratios to bare routing-controllers (higher is cheaper; 1 costs what bare routing-controllers costs): `instr` from',
    "instructions per request under callgrind (bare's / the app's), `req/s` from throughput (the app's / bare's).",
    '',
    ratioTable(results),
    '',
    ...(skipped.length > 0 ? ['Skipped: ' + skipped.join('; '), ''] : []),
    ...(memory.size > 0 ? [memoryTable(memory), ''] : []),
    ...(redisTime.length > 0
      ? [
          '## Redis time per request',
          '',
          'Microseconds redis-server itself spends per request: `µs` the commands as Redis times them (its slow log,',
          'every command; 400 requests of one session after priming), `CPU µs` its main thread over 400 more with the',
          "slow log off (reading and parsing requests, writing replies too), beside connect-redis's. Targets (on `µs`):",
          "read at most 1.5x connect-redis's, counter at most 2x. The median of 3 rounds.",
          '',
          redisTimeTable(redisTime),
          '',
        ]
      : []),
    '## Figures',
    '',
    figuresTable(results),
    '',
  ].join('\n');
}

function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
