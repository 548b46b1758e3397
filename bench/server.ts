/**
 * One benchmark server, in its own process: `ts-node bench/server.ts <scenario>` listens on a free loopback port and
 * prints it. Scenarios share one controller so that only the session work differs.
 */
import 'reflect-metadata';
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  Get,
  JsonController,
  Req,
  UseBefore,
  useContainer,
  useExpressServer,
  type ExpressMiddlewareInterface,
} from 'routing-controllers';
import { Container, Service } from 'typedi';
import {
  CookieBackend,
  EncryptedCookieBackend,
  InMemoryBackend,
  RedisBackend,
  type RedisBackendOptions,
  SessionMiddleware,
  configureSessions,
  type SessionBackend,
} from '../src';

const SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

@JsonController('/bare')
@Service()
class BareController {
  @Get('/hello')
  hello() {
    return { hello: 'world' };
  }
}

/** The floor for any class middleware: what routing-controllers and express charge for one that does nothing. */
@Service()
class NoopMiddleware implements ExpressMiddlewareInterface {
  use(_req: Request, _res: Response, next: NextFunction): void {
    next();
  }
}

@JsonController('/noop')
@UseBefore(NoopMiddleware)
@Service()
class NoopController {
  @Get('/hello')
  hello() {
    return { hello: 'world' };
  }
}

@JsonController('/session')
@UseBefore(SessionMiddleware)
@Service()
class SessionController {
  @Get('/hello')
  hello() {
    return { hello: 'world' };
  }

  @Get('/read')
  async read(@Req() req: Request) {
    await req.session.load();
    return { count: req.session.count ?? 0 };
  }

  @Get('/counter')
  async counter(@Req() req: Request) {
    await req.session.load();
    req.session.count = ((req.session.count as number | undefined) ?? 0) + 1;
    return { count: req.session.count };
  }
}

const scenario = process.argv[2];
useContainer(Container);
const BACKENDS: Record<string, () => SessionBackend | Promise<SessionBackend>> = {
  memory: () => new InMemoryBackend(),
  cookie: () => new CookieBackend({ secretKey: SECRET }),
  encrypted: () => new EncryptedCookieBackend({ secretKey: SECRET }),
  redis: () => redisBackend(),
  'redis-sealed': () => redisBackend({ encryptAtRest: { secretKey: SECRET } }),
};

async function redisBackend(options: Partial<RedisBackendOptions> = {}): Promise<SessionBackend> {
  // Loaded only here: the other cases must not pay for whatever the driver sets up on import.
  const { createClient } = await import('redis');
  const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', disableOfflineQueue: true });
  await client.connect();
  return new RedisBackend({ client, prefix: `bench:${process.pid}:`, ...options });
}

async function main(): Promise<void> {
  configureSessions({ secretKey: SECRET, backend: await BACKENDS[scenario](), cookie: { secure: false } });
  const app = useExpressServer(express(), {
    controllers: [BareController, NoopController, SessionController],
    middlewares: [class NoGlobals {}],
    interceptors: [class NoGlobals {}],
  }) as express.Express;
  app.set('etag', false);
  // The server's own CPU time, read by the runner around each measurement (CPU per request does not depend on how
  // fast the load generator is).
  app.get('/__cpu', (_req, res) => {
    const { user, system } = process.cpuUsage();
    res.json({ micros: user + system });
  });
  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
  });
}

void main();
process.on('SIGINT', () => process.exit(0));
