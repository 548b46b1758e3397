/**
 * A failed commit on the app's last route: express reaches its final handler through `setImmediate` there, after
 * routing-controllers' `next(err)`, possibly once the 503 went out; it must find `headersSent` false, or it destroys
 * the keep-alive socket.
 */
import { expect } from 'chai';
import type { Request } from 'express';
import http from 'node:http';
import { JsonController, Post, Req, UseBefore } from 'routing-controllers';
import { Service } from 'typedi';
import { InMemoryBackend, SessionMiddleware } from '../../src';
import { EXPRESS_MAJORS, createApp } from '../support/app';
import { cookieFrom, withServer } from '../support/http';

/** Fails its reads when told to; fails at once, without a turn of its own in between. */
class SwitchableBackend extends InMemoryBackend {
  failing = false;
  override async read(sessionId: string) {
    if (this.failing) throw new Error('injected read failure');
    return super.read(sessionId);
  }
}

@JsonController('/last')
@UseBefore(SessionMiddleware)
@Service()
class LastRouteController {
  @Post('/start')
  async start(@Req() req: Request) {
    await req.session.load();
    req.session.started = true;
    return {};
  }

  /** The app's last route: regenerate() loads first, and that read fails. */
  @Post('/regenerate')
  async regenerate(@Req() req: Request) {
    await req.session.regenerate();
    return {};
  }
}

describe('a failed commit on the last route', () => {
  for (const major of EXPRESS_MAJORS) {
    it(`answers 503 and keeps the keep-alive socket (express ${major})`, async () => {
      const backend = new SwitchableBackend();
      const app = createApp([LastRouteController], { backend }, { express: major });
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        await withServer(app, async client => {
          const cookie = cookieFrom(await client.request({ method: 'POST', path: '/last/start' }, agent));
          backend.failing = true;
          const statuses: number[] = [];
          for (let i = 0; i < 3; i++)
            statuses.push(
              (await client.request({ method: 'POST', path: '/last/regenerate', headers: { cookie } }, agent)).status,
            );
          backend.failing = false;
          statuses.push(
            (await client.request({ method: 'POST', path: '/last/regenerate', headers: { cookie } }, agent)).status,
          );
          expect(statuses).to.deep.equal([503, 503, 503, 200]);
          expect(client.connections, 'TCP connections accepted').to.equal(1);
        });
      } finally {
        agent.destroy();
      }
    });
  }
});
