/**
 * redis-server processes that a spec starts, stops and restarts itself: for fault injection (SIGKILL, SIGSTOP) and
 * for a throw-away Redis Cluster. Only processes started here are ever signalled, by their own pid; the shared
 * Redis the other specs use is never touched. Ports come from the OS (listen on port 0), readiness from polling.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Why no redis-server can be started here, or undefined when one can. */
export function redisServerMissing(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8', timeout: 5000 });
  return probe.status === 0 ? undefined : 'redis-server is not installed';
}

/** A TCP port nobody listens on right now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Sends one inline command over a fresh connection and returns the raw reply, or rejects within `timeoutMs`. */
export function rawCommand(port: number, command: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let text = '';
    const done = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(text);
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`no reply to ${command} within ${timeoutMs} ms`)));
    socket.on('error', done);
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', chunk => {
      text += chunk.toString('utf8');
      if (isCompleteReply(text)) done();
    });
  });
}

function isCompleteReply(text: string): boolean {
  const end = text.indexOf('\r\n');
  if (end < 0) return false;
  if (text[0] !== '$') return true;
  const length = Number(text.slice(1, end));
  return length < 0 || Buffer.byteLength(text) >= end + 2 + length + 2;
}

/** Polls `check` until it resolves true; rejects with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

/** One redis-server on a loopback port, owned by the spec that started it. */
export class RedisServerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private paused = false;

  private constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[],
    private readonly dir: string,
  ) {}

  /** Starts a server without persistence; `extraArgs` are more `--option value` pairs. */
  static async start(
    options: { extraArgs?: readonly string[]; dir?: string; port?: number } = {},
  ): Promise<RedisServerProcess> {
    for (let attempt = 0; ; attempt++) {
      const server = new RedisServerProcess(
        options.port ?? (await freePort()),
        options.extraArgs ?? [],
        options.dir ?? os.tmpdir(),
      );
      try {
        await server.launch();
        return server;
      } catch (error) {
        await server.kill();
        // Another process may have taken the port between freePort() and the bind: try another one.
        if (options.port !== undefined || attempt >= 2) throw error;
      }
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Kills the process at once (no shutdown): its clients see the connection drop, new ones are refused. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    this.paused = false;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await this.exited;
  }

  /** Freezes the process: connections stay open but nothing is answered. */
  pause(): void {
    this.child?.kill('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (this.paused) this.child?.kill('SIGCONT');
    this.paused = false;
  }

  /** Starts the server again on the same port, empty. */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  private async launch(): Promise<void> {
    const args = [
      '--bind',
      '127.0.0.1',
      '--port',
      String(this.port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
      ...this.extraArgs,
    ];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child = child;
    this.exited = new Promise(resolve => child.once('exit', () => resolve()));
    let gone = false;
    void this.exited.then(() => (gone = true));
    await waitFor(`redis-server on port ${this.port}`, async () => {
      if (gone) throw new Error(`redis-server on port ${this.port} exited`);
      return (await rawCommand(this.port, 'PING')).startsWith('+PONG');
    }).catch(async error => {
      if (gone) throw new Error(`redis-server could not start on port ${this.port}`);
      throw error;
    });
  }
}

/** A Redis Cluster of three masters on loopback ports, with its own temporary directory. */
export class RedisCluster {
  private constructor(
    readonly nodes: readonly RedisServerProcess[],
    private readonly dir: string,
  ) {}

  /**
   * Starts three cluster-enabled servers (each with `extraArgs`), joins them, and waits until every node reports
   * `cluster_state:ok`.
   */
  static async start(extraArgs: readonly string[] = []): Promise<RedisCluster> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rcs-cluster-'));
    const nodes: RedisServerProcess[] = [];
    const cluster = new RedisCluster(nodes, dir);
    try {
      for (let i = 0; i < 3; i++) {
        const busPort = await freePort();
        nodes.push(
          await RedisServerProcess.start({
            dir,
            extraArgs: [
              '--cluster-enabled',
              'yes',
              '--cluster-config-file',
              path.join(dir, `nodes-${i}.conf`),
              '--cluster-port',
              String(busPort),
              ...extraArgs,
            ],
          }),
        );
      }
      const addresses = nodes.map(node => `127.0.0.1:${node.port}`);
      await new Promise<void>((resolve, reject) =>
        execFile(
          'redis-cli',
          ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
          { timeout: 30_000 },
          error => (error ? reject(error) : resolve()),
        ),
      );
      for (const node of nodes) {
        await waitFor(`cluster_state:ok on port ${node.port}`, async () =>
          (await rawCommand(node.port, 'CLUSTER INFO')).includes('cluster_state:ok'),
        );
      }
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** The nodes' addresses, for the cluster clients. */
  get ports(): number[] {
    return this.nodes.map(node => node.port);
  }

  /** Kills every node and deletes the temporary directory. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map(node => node.kill()));
    await rm(this.dir, { recursive: true, force: true });
  }
}
