/**
 * One benchmark server, in its own process: `node server.js '<app name>'` (see apps.ts) listens on a free loopback
 * port and prints it. `/__cpu` answers the process's CPU time, which the runner reads around each measurement. On
 * SIGTERM it drops what it created (tables, keys, files) and exits.
 */
import 'reflect-metadata';
import { useContainer } from 'routing-controllers';
import { Container } from 'typedi';
import { APPS, cleanUps } from './apps';

async function main(): Promise<void> {
  useContainer(Container);
  const name = process.argv[2];
  const bench = APPS[name];
  if (bench === undefined) throw new Error(`no bench app named ${JSON.stringify(name)}`);
  const app = await bench.build();
  // Registered after the app's routes and outside its controllers: one plain express route.
  app.get('/__cpu', (_req, res) => {
    const { user, system } = process.cpuUsage();
    res.json({ micros: user + system });
  });
  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
  });
  const stop = async () => {
    server.close();
    for (const cleanUp of cleanUps) await cleanUp().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
