/**
 * The Redis clients RedisBackend accepts, told apart by their shape, never by importing a driver: `redis` (node-redis
 * 5) and `ioredis` are optional peers, and an app that uses another backend has neither installed.
 *
 * Each driver is reduced to three things: "is it connected now", "send this command, routed by this key", and "run
 * these commands on this key as one transaction" (MULTI/EXEC, through the driver's own API: on a connection shared
 * by concurrent requests, a MULTI sent as a plain command would gather other requests' commands too).
 */

/** A queued node-redis transaction. */
interface NodeRedisMultiLike<Add extends unknown[]> {
  addCommand(...args: Add): NodeRedisMultiLike<Add>;
  exec(): Promise<unknown[]>;
}

/** A node-redis 5 client (`createClient()`), connected. Only what RedisBackend uses is listed. */
export interface NodeRedisClientLike {
  readonly isReady: boolean;
  sendCommand(args: readonly string[], options?: unknown): Promise<unknown>;
  multi(): NodeRedisMultiLike<[args: string[]]>;
}

/** A node-redis 5 cluster (`createCluster()`), connected. */
export interface NodeRedisClusterLike {
  readonly isOpen: boolean;
  readonly masters: readonly unknown[];
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
    options?: unknown,
  ): Promise<unknown>;
  multi(routing?: string): NodeRedisMultiLike<[firstKey: string, isReadonly: boolean, args: string[]]>;
}

/** An ioredis 5 client (`new Redis()`) or cluster (`new Cluster()`), connected. */
export interface IoRedisLike {
  readonly status: string;
  readonly isCluster?: boolean;
  call(command: string, args: (string | number)[]): Promise<unknown>;
  multi(commands: string[][]): { exec(): Promise<[Error | null, unknown][] | null> };
}

/** Any client RedisBackend accepts. */
export type RedisClientLike = NodeRedisClientLike | NodeRedisClusterLike | IoRedisLike;

/** Which driver a client belongs to. */
export type RedisClientKind = 'node-redis' | 'node-redis-cluster' | 'ioredis' | 'ioredis-cluster';

/** One client, as RedisBackend talks to it. */
export interface RedisCommandSender {
  readonly kind: RedisClientKind;
  /** Whether a command sent now goes straight to a connection (not to an offline queue). */
  ready(): boolean;
  /** A short word for error messages: the client's own state, never an address or a credential. */
  state(): string;
  /** Sends `args` (command name first); `key` routes it to its node in a cluster. */
  send(key: string, args: string[]): Promise<unknown>;
  /**
   * Runs `commands` (each name first, all on `key`'s slot) as one MULTI/EXEC transaction; resolves with their
   * replies, or rejects with the first command's error.
   */
  transaction(key: string, commands: string[][]): Promise<unknown[]>;
}

/** The kind of `client`, or `undefined` when it is none of the supported ones. */
export function redisClientKind(client: unknown): RedisClientKind | undefined {
  if (typeof client !== 'object' || client === null) return undefined;
  const candidate = client as Record<string, unknown>;
  if (typeof candidate.call === 'function' && typeof candidate.status === 'string') {
    return candidate.isCluster === true ? 'ioredis-cluster' : 'ioredis';
  }
  if (typeof candidate.sendCommand !== 'function') return undefined;
  // Only the cluster has `masters` (and no `isReady`); only the client has `isReady`.
  if ('masters' in candidate && 'isOpen' in candidate) return 'node-redis-cluster';
  if ('isReady' in candidate) return 'node-redis';
  return undefined;
}

/** Wraps `client` for RedisBackend; `undefined` when it is not a supported client. */
export function commandSender(client: unknown): RedisCommandSender | undefined {
  const kind = redisClientKind(client);
  switch (kind) {
    case 'node-redis': {
      const c = client as NodeRedisClientLike;
      return {
        kind,
        ready: () => c.isReady,
        state: () => (c.isReady ? 'ready' : 'not ready'),
        send: (_key, args) => c.sendCommand(args),
        // async: whatever a driver throws becomes a rejection, which RedisConnection counts as settled.
        transaction: async (_key, commands) => {
          const multi = c.multi();
          for (const args of commands) multi.addCommand(args);
          return multi.exec().catch(firstError);
        },
      };
    }
    case 'node-redis-cluster': {
      const c = client as NodeRedisClusterLike;
      // A cluster is "open" as a whole; a node that is down makes its own client refuse at once when its offline
      // queue is disabled (see the recommended options), and the command timeout covers the rest.
      return {
        kind,
        ready: () => c.isOpen,
        state: () => (c.isOpen ? 'open' : 'closed'),
        send: (key, args) => c.sendCommand(key, false, args),
        transaction: async (key, commands) => {
          const multi = c.multi(key);
          for (const args of commands) multi.addCommand(key, false, args);
          return multi.exec().catch(firstError);
        },
      };
    }
    case 'ioredis':
    case 'ioredis-cluster': {
      const c = client as IoRedisLike;
      return {
        kind,
        ready: () => c.status === 'ready',
        state: () => c.status,
        send: (_key, args) => c.call(args[0], args.slice(1)),
        transaction: async (_key, commands) => {
          // ioredis looks a queued command up by its method name, which is in lower case.
          const multi = c.multi(commands.map(([name, ...args]) => [name.toLowerCase(), ...args]));
          const replies = await multi.exec().catch(firstError);
          // null only answers a WATCH that failed, and none is used.
          if (replies === null) throw new Error('Redis discarded the transaction');
          return replies.map(([error, reply]) => {
            if (error !== null) throw error;
            return reply;
          });
        },
      };
    }
    default:
      return undefined;
  }
}

/**
 * The error of the command that failed, rather than the transaction's: node-redis rejects with one error listing the
 * replies, ioredis with EXECABORT carrying the errors of the commands it queued.
 */
function firstError(error: unknown): never {
  const { replies, errorIndexes, previousErrors } = (error ?? {}) as {
    replies?: unknown[];
    errorIndexes?: number[];
    previousErrors?: unknown[];
  };
  if (replies !== undefined && errorIndexes?.[0] !== undefined) throw replies[errorIndexes[0]];
  throw previousErrors?.[0] ?? error;
}
