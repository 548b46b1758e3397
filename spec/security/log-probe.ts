/**
 * Run as a child process by logging.spec.ts, with NODE_DEBUG=routing-controllers-sessions (Node reads it once, at
 * start-up): drives every path that writes a debug line, and prints on stdout the secrets, cookie values and ids
 * it used, so the parent can check that none reached stderr.
 */
import 'reflect-metadata';
import { IsInt } from 'class-validator';
import type { Request } from 'express';
import { Get, JsonController, Req, UseBefore, useContainer } from 'routing-controllers';
import request from 'supertest';
import { Container, Service } from 'typedi';
import { InMemoryBackend, SessionMiddleware } from '../../src';
import { SECRET, createApp } from '../support/app';

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

async function main(): Promise<void> {
  const backend = new InMemoryBackend();
  const id = await backend.write({ count: 'not a number', token: 'payload-secret-value' });
  const app = createApp([ProbeController], { backend, schema: ProbeSession });
  const res = await request(app).get('/probe/read').set('Cookie', `session=${id}`);
  process.stdout.write(JSON.stringify({ status: res.status, sensitive: [SECRET, id, 'payload-secret-value', 'not a number'] }));
}

main().catch(error => {
  process.stdout.write(JSON.stringify({ error: String(error) }));
  process.exitCode = 1;
});
