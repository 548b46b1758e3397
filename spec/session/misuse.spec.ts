import { expect } from 'chai';
import type { Request, Response } from 'express';
import { Get, JsonController, Req, Res, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import { InMemoryBackend, SessionMiddleware, type SessionData } from '../../src';
import { createApp } from '../support/app';
import { FakeClock } from '../support/clock';
import { cookieHeader, isCleared, sessionCookie } from '../support/cookies';
import { countVisit } from '../support/session-controller';

const clock = new FakeClock();

@JsonController('/misuse')
@UseBefore(SessionMiddleware)
@Service()
class MisuseController {
  @Get('/late')
  late(@Req() req: Request, @Res() res: Response) {
    res.json({ sent: true });
    return req.session.load().then(
      () => res,
      (error: Error & { code?: string }) => {
        lateError = error;
        return res;
      },
    );
  }

  @Get('/count')
  async count(@Req() req: Request) {
    return countVisit(req);
  }

  /** The session expires while the handler runs. */
  @Get('/slow-count')
  async slowCount(@Req() req: Request) {
    await req.session.load();
    req.session.count = ((req.session.count as number | undefined) ?? 0) + 1;
    clock.advance(600);
    return { count: req.session.count };
  }
}

let lateError: (Error & { code?: string }) | undefined;

/** A backend whose ids could not be cookie values. */
class SpacedIdBackend extends InMemoryBackend {
  override async write(data: SessionData) {
    await super.write(data, 'has a space');
    return 'has a space';
  }
}

describe('misuse and edge cases', () => {
  it('load() after the response started fails with LOADED_TOO_LATE', async () => {
    lateError = undefined;
    const app = createApp([MisuseController], { backend: new InMemoryBackend() });
    await request(app).get('/misuse/late').expect(200);
    expect((lateError as { code?: string } | undefined)?.code).to.equal('LOADED_TOO_LATE');
  });

  it('a backend id that cannot be a cookie fails the request with INVALID_SESSION_ID, without a cookie', async () => {
    const app = createApp([MisuseController], { backend: new SpacedIdBackend() });
    const res = await request(app).get('/misuse/count').expect(500);
    expect(res.body.message).to.include('cookie value');
    expect(res.headers['set-cookie']).to.equal(undefined);
  });

  it('a session that expires while the request runs is removed, not written with a TTL <= 0', async () => {
    const memory = new InMemoryBackend();
    const app = createApp([MisuseController], { backend: memory, lifetime: 600, clock: clock.now });
    const first = await request(app).get('/misuse/count').expect(200);
    clock.advance(1);
    const res = await request(app).get('/misuse/slow-count').set('Cookie', cookieHeader(first)).expect(200);
    expect(isCleared(sessionCookie(res))).to.equal(true);
    expect(memory.size).to.equal(0);
  });
});
