/**
 * Run as a child process by logging.spec.ts, with NODE_DEBUG=routing-controllers-sessions (Node reads it once, at
 * start-up): drives every path that writes a debug line, and prints on stdout the statuses, and the secrets, cookie
 * values and ids it used, so the parent can check that each line was written and that none of those reached stderr.
 */
import 'reflect-metadata';
import { IsInt } from 'class-validator';
import type { Request } from 'express';
import { Get, JsonController, Req, UseBefore, useContainer } from 'routing-controllers';
import request from 'supertest';
import { Container, Service } from 'typedi';
import { CookieBackend, InMemoryBackend, SessionMiddleware } from '../../../src';
import { SECRET, createApp } from '../app';
import { FakeClock } from '../clock';
import { FaultyBackend } from '../faulty-backend';

useContainer(Container);
process.env.NODE_ENV = 'test';

class ProbeSession {
  @IsInt()
  count!: number;
}

@JsonController('/probe')
@UseBefore(SessionMiddleware)
@Service()
class ProbeController {
  @Get('/read')
  async read(@Req() req: Request) {
    await req.session.load();
    return { ...req.session };
  }
}

const PAYLOAD = 'payload-secret-value';

async function main(): Promise<void> {
  const statuses: Record<string, number> = {};
  const sensitive: string[] = [SECRET, PAYLOAD, 'not a number'];
  const probe = async (name: string, app: ReturnType<typeof createApp>, cookie: string) => {
    statuses[name] = (await request(app).get('/probe/read').set('Cookie', cookie)).status;
  };

  // Invalid data under the schema.
  const memory = new InMemoryBackend();
  const invalid = await memory.write({ count: 'not a number', token: PAYLOAD });
  sensitive.push(invalid);
  await probe('invalid', createApp([ProbeController], { backend: memory, schema: ProbeSession }), `session=${invalid}`);

  // Cookies refused: tampered, too old, the cookie twice in one header.
  const clock = new FakeClock();
  const cookieApp = createApp([ProbeController], { secretKey: SECRET, clock: clock.now, lifetime: 60 });
  const signed = await new CookieBackend({ secretKey: SECRET, purpose: 'session' }).write(
    { token: PAYLOAD },
    undefined,
    {
      now: clock.seconds,
      lifetime: 60,
      ttl: 60,
    },
  );
  sensitive.push(signed);
  await probe('twice', cookieApp, `session=${signed}; session=${signed}`);
  await probe('tampered', cookieApp, `session=${signed.slice(0, -2)}xx`);
  clock.advance(120);
  await probe('too old', cookieApp, `session=${signed}`);

  // Sessions ended on the server: expired, revoked.
  const serverClock = new FakeClock();
  const store = new InMemoryBackend();
  const stored = await store.write({
    token: PAYLOAD,
    __session: { created: serverClock.seconds, accessed: serverClock.seconds, expires: serverClock.seconds + 10 },
  });
  sensitive.push(stored);
  serverClock.advance(20);
  await probe('expired', createApp([ProbeController], { backend: store, clock: serverClock.now }), `session=${stored}`);
  const kept = await store.write({ token: PAYLOAD });
  sensitive.push(kept);
  await probe('revoked', createApp([ProbeController], { backend: store, isRevoked: () => true }), `session=${kept}`);

  // Cookies that are not cookie-octets; records that are not plain data, or nest too deep.
  await probe('malformed', cookieApp, 'session="not a cookie value"');
  const raw = new FaultyBackend();
  const buffer = await raw.inner.write({ token: PAYLOAD });
  const deep = await raw.inner.write({ token: PAYLOAD });
  sensitive.push(buffer, deep);
  const read = raw.read.bind(raw);
  raw.read = async (id, ctx) => {
    if (id === buffer) return Buffer.from(PAYLOAD) as never;
    if (id === deep) return JSON.parse(`{"token":"${PAYLOAD}","x":${'['.repeat(600)}${']'.repeat(600)}}`);
    return read(id, ctx);
  };
  const rawApp = createApp([ProbeController], { backend: raw });
  await probe('not plain', rawApp, `session=${buffer}`);
  await probe('too deep', rawApp, `session=${deep}`);

  // A backend that does not answer.
  const hanging = new FaultyBackend();
  const waiting = await hanging.inner.write({ token: PAYLOAD });
  sensitive.push(waiting);
  hanging.hanging.add('read');
  await probe('timeout', createApp([ProbeController], { backend: hanging, backendTimeout: 0.1 }), `session=${waiting}`);

  process.stdout.write(JSON.stringify({ statuses, sensitive }));
}

main().catch(error => {
  process.stdout.write(JSON.stringify({ error: String(error) }));
  process.exitCode = 1;
});
