import { expect } from 'chai';
import express, { type Request } from 'express';
import { Get, JsonController, Middleware, Req, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Container, Service } from 'typedi';
import { InMemoryBackend, SessionMiddleware, SessionSettings } from '../../src';
import { createApp } from '../support/app';
import { cookieHeader } from '../support/cookies';
import { FaultyBackend } from '../support/faulty-backend';
import { countVisit } from '../support/session-controller';

/** The documented way to install sessions globally. */
@Middleware({ type: 'before' })
@Service()
class GlobalSessions extends SessionMiddleware {}

@JsonController('/global')
@Service()
class GlobalController {
  @Get('/count')
  async count(@Req() req: Request) {
    return countVisit(req);
  }
}

@JsonController('/twice')
@UseBefore(SessionMiddleware)
@UseBefore(SessionMiddleware)
@Service()
class TwiceController {
  @Get('/count')
  async count(@Req() req: Request) {
    return countVisit(req);
  }
}

describe('SessionMiddleware', () => {
  let backend: FaultyBackend;
  beforeEach(() => {
    backend = new FaultyBackend(new InMemoryBackend());
  });

  it('works as a global middleware through a @Middleware subclass', async () => {
    const app = createApp([GlobalController], { backend }, { middlewares: [GlobalSessions] });
    const first = await request(app).get('/global/count').expect(200);
    const second = await request(app).get('/global/count').set('Cookie', cookieHeader(first)).expect(200);
    expect(second.body).to.deep.equal({ count: 2 });
  });

  it('acts once when applied twice to one request (globally and on the controller)', async () => {
    const app = createApp([TwiceController], { backend }, { middlewares: [GlobalSessions] });
    const first = await request(app).get('/twice/count').expect(200);
    backend.calls.length = 0;
    const second = await request(app).get('/twice/count').set('Cookie', cookieHeader(first)).expect(200);
    expect(second.body).to.deep.equal({ count: 2 });
    expect(backend.calls.map(call => call.operation)).to.deep.equal(['read', 'write']);
  });

  it('sees a new configuration in instances that already exist', async () => {
    const app = createApp([GlobalController], { backend }, { middlewares: [GlobalSessions] });
    await request(app).get('/global/count').expect(200);
    const other = new FaultyBackend(new InMemoryBackend());
    const again = createApp([GlobalController], { backend: other }, { middlewares: [GlobalSessions] });
    await request(again).get('/global/count').expect(200);
    expect(other.count('write')).to.equal(1);
  });

  describe('without configureSessions()', () => {
    let saved: ReturnType<SessionSettings['get']>;
    beforeEach(() => {
      saved = Container.get(SessionSettings).get(SessionMiddleware);
      Container.get(SessionSettings).set(SessionMiddleware, undefined);
    });
    afterEach(() => {
      Container.get(SessionSettings).set(SessionMiddleware, saved);
    });

    it('fails the request with a message that says what to call', async () => {
      const app = createApp([TwiceController], { backend });
      Container.get(SessionSettings).set(SessionMiddleware, undefined); // createApp configures; undo it
      const res = await request(app).get('/twice/count').expect(500);
      expect(res.text).to.include('configureSessions');
    });
  });

  it('works without typedi, on a plain express route, configured through the global container', async () => {
    createApp([], { backend });
    const middleware = new SessionMiddleware();
    const app = express();
    app.use((req, res, next) => middleware.use(req, res, next));
    app.get('/plain', async (req, res) => {
      await req.session.load();
      req.session.visited = true;
      res.json({ ok: true });
    });
    const res = await request(app).get('/plain').expect(200);
    expect(cookieHeader(res)).to.match(/^session=/);
    expect(backend.count('write')).to.equal(1);
  });
});
