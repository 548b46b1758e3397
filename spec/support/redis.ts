/**
 * Redis for specs: the server to use (`REDIS_URL`, else 127.0.0.1:6379), clients of both drivers with the options the
 * docs/backends.md recommends, a unique key prefix per spec run and its clean-up, and `describeWithRedis()`, which turns a
 * suite into a visibly pending spec when no Redis answers (or into a failure under `REQUIRE_SERVICES=1`).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { createClient, createCluster } from 'redis';

/** The Redis the specs use. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export type NodeRedisClient = ReturnType<typeof createClient>;
export type NodeRedisCluster = ReturnType<typeof createCluster>;

/** The driver choices every Redis suite runs with. */
export const DRIVERS = ['node-redis', 'ioredis'] as const;
export type Driver = (typeof DRIVERS)[number];

/** Any client of either driver. */
export type AnyRedisClient = NodeRedisClient | NodeRedisCluster | Redis | Cluster;

let probed: string | null | undefined;

/** Why the specs cannot use a Redis at {@link REDIS_URL}, or undefined when one answers. Probed once, synchronously. */
export function redisMissing(): string | undefined {
  if (probed === undefined) {
    // A child process, because mocha declares suites synchronously and this decides which suites exist.
    const script = `
      const net = require('node:net');
      const url = new URL(process.argv[1]);
      const socket = net.connect({ host: url.hostname.replace(/^\\[|\\]$/g, ''), port: Number(url.port || 6379) });
      socket.setTimeout(1500, () => process.exit(2));
      socket.on('error', () => process.exit(1));
      socket.on('connect', () => (url.protocol === 'rediss:' ? process.exit(0) : socket.write('PING\\r\\n')));
      socket.on('data', d => process.exit(/^[+-]/.test(d.toString()) ? 0 : 3));
    `;
    const result = spawnSync(process.execPath, ['-e', script, REDIS_URL], { timeout: 5000 });
    probed = result.status === 0 ? null : `no Redis answers at ${redactedUrl()}`;
  }
  return probed ?? undefined;
}

/** The URL without credentials, for spec titles. */
function redactedUrl(): string {
  const url = new URL(REDIS_URL);
  url.username = '';
  url.password = '';
  return url.toString();
}

/**
 * `describe(title, body)` when `missing` is undefined; otherwise one spec that says why: pending, or failing when
 * `REQUIRE_SERVICES=1` (as CI sets it), so that a CI without Redis cannot pass by skipping.
 */
export function describeWhen(
  missing: string | undefined,
  title: string,
  body: () => void,
  fix = 'set REDIS_URL or start redis-server',
): void {
  if (missing === undefined) return void describe(title, body);
  if (process.env.REQUIRE_SERVICES === '1') {
    describe(title, () =>
      it('has the service it needs', () => {
        throw new Error(`${missing}, and REQUIRE_SERVICES=1 requires it`);
      }),
    );
  } else {
    describe(title, () => it(`[pending: ${missing}; ${fix}, or REQUIRE_SERVICES=1 to fail]`));
  }
}

/** {@link describeWhen} for suites that need the Redis at {@link REDIS_URL}. */
export function describeWithRedis(title: string, body: () => void): void {
  describeWhen(redisMissing(), title, body);
}

/** A key prefix no other spec run uses: every key a spec writes starts with it, and {@link deleteKeys} removes them. */
export function uniquePrefix(label = 'spec'): string {
  return `rcs-test:${label}:${process.pid}:${randomBytes(6).toString('hex')}:`;
}

/**
 * For the specs of the enclosing `describe`: a node-redis client opened before them and a prefix of their own; after
 * them, the keys under the prefix are deleted and the client closed.
 */
export function useRedisClient(label: string): { readonly client: NodeRedisClient; readonly prefix: string } {
  const prefix = uniquePrefix(label);
  let client: NodeRedisClient | undefined;
  before(async () => (client = await nodeRedisClient()));
  after(async () => {
    if (client === undefined) return;
    await deleteKeys(prefix, client);
    await closeClient(client);
  });
  return {
    prefix,
    get client() {
      if (client === undefined) throw new Error('useRedisClient(): the client opens in a before() hook');
      return client;
    },
  };
}

/** Options of both drivers as docs/backends.md recommends them: fail fast instead of queueing, reconnect quickly. */
export const RECOMMENDED = {
  nodeRedis: {
    disableOfflineQueue: true,
    socket: { connectTimeout: 1000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000) },
  },
  ioredis: {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1000,
    retryStrategy: (times: number) => Math.min(50 * 2 ** times, 1000),
  },
};

/** A connected node-redis client. Errors are observed (a client without an 'error' listener crashes the process). */
export async function nodeRedisClient(url = REDIS_URL): Promise<NodeRedisClient> {
  const client = createClient({ url, ...RECOMMENDED.nodeRedis });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** A connected ioredis client. */
export async function ioRedisClient(url = REDIS_URL): Promise<Redis> {
  // disconnectTimeout: a spec that killed the server would otherwise keep mocha alive for ioredis's default 2 s.
  const client = new Redis(url, { ...RECOMMENDED.ioredis, lazyConnect: true, disconnectTimeout: 100 });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** A connected client of `driver`. */
export function redisClient(driver: Driver, url = REDIS_URL): Promise<NodeRedisClient | Redis> {
  return driver === 'node-redis' ? nodeRedisClient(url) : ioRedisClient(url);
}

/** A connected cluster client of `driver` for a cluster on these loopback ports. */
export async function redisClusterClient(
  driver: Driver,
  ports: readonly number[],
): Promise<NodeRedisCluster | Cluster> {
  if (driver === 'node-redis') {
    const cluster = createCluster({
      rootNodes: ports.map(port => ({ url: `redis://127.0.0.1:${port}` })),
      defaults: RECOMMENDED.nodeRedis,
    });
    cluster.on('error', () => {});
    await cluster.connect();
    return cluster;
  }
  const cluster = new Cluster(
    ports.map(port => ({ host: '127.0.0.1', port })),
    {
      enableOfflineQueue: false,
      lazyConnect: true,
      clusterRetryStrategy: RECOMMENDED.ioredis.retryStrategy,
      redisOptions: RECOMMENDED.ioredis,
    },
  );
  cluster.on('error', () => {});
  await cluster.connect();
  return cluster;
}

function isIoRedis(client: AnyRedisClient): client is Redis | Cluster {
  return client instanceof Redis || client instanceof Cluster;
}

function isNodeCluster(client: AnyRedisClient): client is NodeRedisCluster {
  return !isIoRedis(client) && 'masters' in client;
}

/** Closes a client of either driver, whatever state it is in. */
export async function closeClient(client: AnyRedisClient): Promise<void> {
  if (isIoRedis(client)) {
    client.disconnect();
    return;
  }
  const c = client as NodeRedisClient;
  if (c.isOpen) await c.close().catch(() => c.destroy());
}

/** Deletes every key under `prefix` from the Redis at {@link REDIS_URL}, or through `client` (a cluster too). */
export async function deleteKeys(prefix: string, client?: AnyRedisClient): Promise<void> {
  if (client !== undefined) {
    for (const key of await keysOf(prefix, client)) await rawCommand(client, key, ['DEL', key]);
    return;
  }
  const own = await nodeRedisClient();
  try {
    await deleteKeys(prefix, own);
  } finally {
    await closeClient(own);
  }
}

/** Every key under `prefix` (on every master of a cluster). */
export async function keysOf(prefix: string, client: AnyRedisClient): Promise<string[]> {
  return (await keysPerNode(prefix, client)).flat();
}

/** The keys under `prefix` on each node: one list for a single server, one per master for a cluster. */
export async function keysPerNode(prefix: string, client: AnyRedisClient): Promise<string[][]> {
  const perNode: string[][] = [];
  for (const node of await scanTargets(client)) {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = (await node(['SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000'])) as [
        string,
        string[],
      ];
      cursor = String(next);
      keys.push(...found);
    } while (cursor !== '0');
    perNode.push(keys);
  }
  return perNode;
}

/** One command on the node that owns `key`, through either driver. */
export function rawCommand(client: AnyRedisClient, key: string, args: string[]): Promise<unknown> {
  if (isIoRedis(client)) return client.call(args[0], args.slice(1));
  if (isNodeCluster(client)) return client.sendCommand(key, false, args);
  return (client as NodeRedisClient).sendCommand(args);
}

type Send = (args: string[]) => Promise<unknown>;

async function scanTargets(client: AnyRedisClient): Promise<Send[]> {
  if (client instanceof Cluster)
    return client.nodes('master').map(node => (args: string[]) => node.call(args[0], args.slice(1)));
  if (client instanceof Redis) return [args => client.call(args[0], args.slice(1))];
  if (isNodeCluster(client)) {
    const targets: Send[] = [];
    for (const master of client.masters) {
      const node = (await client.nodeClient(master)) as unknown as NodeRedisClient;
      targets.push(args => node.sendCommand(args));
    }
    return targets;
  }
  const single = client as NodeRedisClient;
  return [args => single.sendCommand(args)];
}
