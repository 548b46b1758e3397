/**
 * A PostgreSQL server of a spec's own: `initdb` into a temporary folder, `pg_ctl` on a free loopback port, stopped
 * or killed by its own pid. For fault specs that must take a server down without touching anyone else's.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

const ROOT = '/usr/lib/postgresql';

/** The folder of `initdb` and `pg_ctl`, or undefined when PostgreSQL's binaries are not installed. */
export function postgresBinaries(): string | undefined {
  if (!existsSync(ROOT)) return undefined;
  const version = readdirSync(ROOT).sort().pop();
  const bin = version === undefined ? undefined : join(ROOT, version, 'bin');
  return bin !== undefined && existsSync(join(bin, 'initdb')) ? bin : undefined;
}

/** PostgreSQL refuses to run as root: then its tools run as the `postgres` user. */
function asServerUser(command: string, args: string[]): string[] {
  return userInfo().uid === 0 ? ['runuser', '-u', 'postgres', '--', command, ...args] : [command, ...args];
}

export class OwnPostgres {
  readonly port: number;
  private readonly dir: string;
  private readonly bin: string;

  private constructor(bin: string, dir: string, port: number) {
    this.bin = bin;
    this.dir = dir;
    this.port = port;
  }

  /** Creates a cluster (user `postgres`, trust authentication) and starts it. */
  static async start(): Promise<OwnPostgres> {
    const bin = postgresBinaries();
    if (bin === undefined) throw new Error(`no PostgreSQL binaries under ${ROOT}`);
    const dir = mkdtempSync(join(tmpdir(), 'rcs-own-postgres-'));
    chmodSync(dir, 0o700);
    if (userInfo().uid === 0)
      chownSync(dir, Number(run('id', ['-u', 'postgres'])), Number(run('id', ['-g', 'postgres'])));
    const server = new OwnPostgres(bin, dir, await freePort());
    server.exec('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '--no-sync']);
    server.resume();
    return server;
  }

  /**
   * Starts the server again (after {@link kill} or {@link stop}), waiting until it accepts connections. After a kill
   * the old backends hold the shared memory until they notice their postmaster is gone: it retries meanwhile.
   */
  resume(): void {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    for (let attempt = 1; ; attempt++) {
      try {
        return this.exec('pg_ctl', [
          '-D',
          join(this.dir, 'data'),
          '-l',
          join(this.dir, 'log'),
          '-o',
          options,
          '-w',
          'start',
        ]);
      } catch (error) {
        if (attempt >= 40) throw new Error(`PostgreSQL did not start: ${this.logTail()}`, { cause: error });
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
      }
    }
  }

  /** The end of the server's log, for errors. */
  private logTail(): string {
    const log = join(this.dir, 'log');
    return existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-5).join(' | ') : 'no log';
  }

  /** The postmaster's pid, from its pid file. */
  pid(): number {
    return Number(readFileSync(join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  }

  /** Kills the postmaster (SIGKILL), as a crash would; its backends exit when they notice. */
  kill(): void {
    process.kill(this.pid(), 'SIGKILL');
  }

  /** Stops the server (immediate shutdown, no checkpoint), waiting for it to end. */
  stop(): void {
    this.exec('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  }

  /** Stops the server if it runs and removes its folder. */
  destroy(): void {
    try {
      if (existsSync(join(this.dir, 'data', 'postmaster.pid'))) this.stop();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private exec(tool: string, args: string[]): void {
    const [command, ...rest] = asServerUser(join(this.bin, tool), args);
    execFileSync(command, rest, { stdio: 'pipe', timeout: 60_000 });
  }
}

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8' }).trim();
}
