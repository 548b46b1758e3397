/**
 * PostgreSQL for specs: the server at 127.0.0.1:5432, database `test`, trust authentication, as the user in `PGUSER`,
 * else `postgres`, else the current OS user (the first that connects). `describeWithPostgres()` turns a suite into a
 * visibly pending spec when none answers (or into a failure under `REQUIRE_SERVICES=1`), like `describeWithRedis()`.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { Pool, type PoolConfig } from 'pg';
import { describeWhen } from './redis';

const HOST = '127.0.0.1';
const PORT = 5432;
const DATABASE = 'test';

let probed: { user: string } | { missing: string } | undefined;

/** The users to try, in order, without duplicates. */
function candidateUsers(): string[] {
  const users = [process.env.PGUSER, 'postgres', userInfo().username].filter((user): user is string => !!user);
  return [...new Set(users)];
}

/** Probes once, synchronously: mocha declares suites synchronously, and this decides which suites exist. */
function probe(): { user: string } | { missing: string } {
  if (probed === undefined) {
    // Prints the first user that connects and runs a query; exits with 1 when none does.
    const script = `
      const { Client } = require(process.argv[1]);
      const config = { host: '${HOST}', port: ${PORT}, database: '${DATABASE}', connectionTimeoutMillis: 1500 };
      (async () => {
        for (const user of process.argv.slice(2)) {
          const client = new Client({ ...config, user });
          try {
            await client.connect();
            await client.query('SELECT 1');
            await client.end();
            return void process.stdout.write(user);
          } catch {
            await client.end().catch(() => {});
          }
        }
        process.exit(1);
      })();
    `;
    const users = candidateUsers();
    const result = spawnSync(process.execPath, ['-e', script, require.resolve('pg'), ...users], { timeout: 10_000 });
    const where = `${HOST}:${PORT} database "${DATABASE}"`;
    probed =
      result.status === 0 && result.stdout.length > 0
        ? { user: result.stdout.toString() }
        : { missing: `no PostgreSQL at ${where} accepts user ${users.join(', ')} (set PGUSER)` };
  }
  return probed;
}

/** Why the specs cannot use PostgreSQL, or undefined when it answers. */
export function postgresMissing(): string | undefined {
  const result = probe();
  return 'missing' in result ? result.missing : undefined;
}

/** Connection settings for the probed server and user; call only inside {@link describeWithPostgres}. */
export function postgresConfig(): PoolConfig {
  const result = probe();
  if ('missing' in result) throw new Error(result.missing);
  return { host: HOST, port: PORT, database: DATABASE, user: result.user, max: 4 };
}

/** A pool on the probed server. Errors of idle clients are observed, so that a restart cannot crash the process. */
export function postgresPool(): Pool {
  const pool = new Pool(postgresConfig());
  pool.on('error', () => {});
  return pool;
}

/** A table (or schema) name no other spec run uses: lower case, a valid unquoted identifier. */
export function uniqueTableName(label = 'spec'): string {
  return `rcs_test_${label}_${process.pid}_${randomBytes(6).toString('hex')}`;
}

/** {@link describeWhen} for suites that need the PostgreSQL described above. */
export function describeWithPostgres(title: string, body: () => void): void {
  describeWhen(postgresMissing(), title, body, 'start PostgreSQL on 127.0.0.1:5432 with a database `test`');
}
