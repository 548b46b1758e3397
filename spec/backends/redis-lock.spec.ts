/**
 * A session lock held in Redis by a process that is then killed (SIGKILL: no release, no clean-up) blocks the
 * session's locked requests only until its lease ends.
 */
import { expect } from 'chai';
import type { Request } from 'express';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { JsonController, Post, Req, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import { LockSession, RedisBackend, SessionMiddleware } from '../../src';
import { createApp } from '../support/app';
import { cookieHeader } from '../support/cookies';
import { REDIS_URL, describeWithRedis, useRedisClient } from '../support/redis';

@JsonController('/held')
@UseBefore(SessionMiddleware)
@Service()
class HeldLockController {
  @Post('/start')
  async start(@Req() req: Request) {
    await req.session.load();
    req.session.n = 0;
    return {};
  }

  @Post('/increment')
  @LockSession()
  increment(@Req() req: Request) {
    req.session.n = (req.session.n as number) + 1;
    return { n: req.session.n };
  }
}

const FIXTURE = path.join(__dirname, 'fixtures', 'hold-redis-lock.ts');

describeWithRedis('RedisBackend lock held by a process that is killed', () => {
  const redis = useRedisClient('killed-lock');

  it('blocks locked requests of that session until the lease ends, then lets them through', async function () {
    this.timeout(30_000);
    const app = (lockTimeout: number) =>
      createApp([HeldLockController], {
        backend: new RedisBackend({ client: redis.client, prefix: redis.prefix }),
        lockTimeout,
      });
    const cookie = cookieHeader(await request(app(5)).post('/held/start').expect(200));
    const id = cookie.slice('session='.length);

    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', FIXTURE], {
      env: { ...process.env, SESSION_ID: id, PREFIX: redis.prefix, LEASE_MS: '1500', REDIS_URL },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise(resolve => child.once('exit', resolve));
    try {
      const said = await new Promise<string>((resolve, reject) => {
        child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
        child.once('exit', code => reject(new Error(`the lock holder exited with ${code}`)));
      });
      expect(said).to.equal('locked');
      const refused = await request(app(0.2)).post('/held/increment').set('Cookie', cookie).expect(503);
      expect(refused.body.code).to.equal('LOCK_TIMEOUT');
    } finally {
      process.kill(child.pid!, 'SIGKILL');
      await exited;
    }
    const backend = new RedisBackend({ client: redis.client, prefix: redis.prefix });
    // Killed, it released nothing: the lock is still there...
    expect(await backend.acquireLock(id, { lease: 1000, wait: 0 })).to.equal(undefined);
    // ...until its lease ends, which the next locked request waits for.
    const res = await request(app(5)).post('/held/increment').set('Cookie', cookie).expect(200);
    expect(res.body.n).to.equal(1);
  });
});
