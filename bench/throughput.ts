/**
 * Throughput of one route of one server: `CONNECTIONS` keep-alive clients, each with its own session (a cookie jar
 * per connection), send requests back to back for a while. The server's own CPU time per request is measured
 * alongside: it does not depend on how fast the load generator is.
 */
import { JarClient } from './client';

const CONNECTIONS = 16;

export interface Throughput {
  /** Requests per second. */
  rate: number;
  /** The server's CPU microseconds per request. */
  cpu: number;
}

/** Clients of one server, each holding a session made by one `/counter` request (when the app has sessions). */
export async function sessionClients(port: number, withSession: boolean): Promise<JarClient[]> {
  const clients = Array.from({ length: CONNECTIONS }, () => new JarClient(port));
  if (withSession) await Promise.all(clients.map(client => client.get('/counter')));
  return clients;
}

/** Loads `path` from every client for `seconds`. */
export async function throughput(clients: JarClient[], path: string, seconds: number): Promise<Throughput> {
  const cpuBefore = await serverCpu(clients[0]);
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(seconds * 1e9));
  const counts = await Promise.all(
    clients.map(async client => {
      let count = 0;
      while (process.hrtime.bigint() < deadline) {
        await client.get(path);
        count++;
      }
      return count;
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const total = counts.reduce((sum, count) => sum + count, 0);
  const cpu = (await serverCpu(clients[0])) - cpuBefore;
  return { rate: total / elapsed, cpu: cpu / total };
}

async function serverCpu(client: JarClient): Promise<number> {
  return (JSON.parse(await client.get('/__cpu')) as { micros: number }).micros;
}
