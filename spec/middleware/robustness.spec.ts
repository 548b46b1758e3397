/** Edge cases found in review: each spec names the failure it guards against. */
import { expect } from 'chai';
import type { Request, Response } from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Get, JsonController, Middleware, Post, Req, Res, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import { InMemoryBackend, SessionError, SessionMiddleware, configureSessions } from '../../src';
import { parseSession } from '../../src/serializers/json';
import { SECRET, createApp } from '../support/app';
import { cookieHeader, isCleared, sessionCookie } from '../support/cookies';
import { FaultyBackend } from '../support/faulty-backend';
import { sessionApp } from '../support/session-controller';

let lateLoadCode: string | undefined;

@JsonController('/robust')
@UseBefore(SessionMiddleware)
@Service()
class RobustController {
  @Get('/bad-status')
  async badStatus(@Req() req: Request, @Res() res: Response) {
    await req.session.load();
    req.session.touched = true;
    res.writeHead(99);
    res.end('never');
    return res;
  }

  @Get('/load-while-writing')
  async loadWhileWriting(@Req() req: Request, @Res() res: Response) {
    const loading = req.session.load();
    res.write('a');
    try {
      await loading;
    } catch (error) {
      lateLoadCode = (error as SessionError).code;
    }
    res.end('b');
    return res;
  }

  @Post('/logout-unawaited')
  logout(@Req() req: Request) {
    void req.session.destroy();
    return { ok: true };
  }

  @Post('/regenerate-unawaited')
  async regenerate(@Req() req: Request) {
    await req.session.load();
    void req.session.regenerate();
    return { ok: true };
  }

  @Post('/login')
  async login(@Req() req: Request) {
    await req.session.load();
    req.session.user = 'alice';
    return { ok: true };
  }

  @Get('/me')
  async me(@Req() req: Request) {
    await req.session.load();
    return { user: req.session.user ?? null, json: JSON.stringify(req.session) };
  }
}

@Middleware({ type: 'before' })
@Service()
class GlobalSessionsForConflict extends SessionMiddleware {}

@Service()
class AreaSessions extends SessionMiddleware {}

@JsonController('/area')
@UseBefore(AreaSessions)
@Service()
class AreaController {
  @Post('/login')
  async login(@Req() req: Request) {
    await req.session.load();
    req.session.user = 'alice';
    return { ok: true };
  }

  @Get('/me')
  async me(@Req() req: Request) {
    await req.session.load();
    return { user: req.session.user ?? null };
  }
}

describe('robustness', () => {
  let memory: InMemoryBackend;
  let backend: FaultyBackend;
  beforeEach(() => {
    memory = new InMemoryBackend();
    backend = new FaultyBackend(memory);
  });
  const app = (options = {}) => createApp([RobustController], { backend, ...options });

  it('answers 500 instead of crashing when a held response replays arguments Node rejects', async () => {
    const res = await request(app()).get('/robust/bad-status').expect(500);
    expect(res.text).to.not.include('never');
  });

  it('survives an onError callback that throws', async () => {
    backend.failing.add('write');
    const server = app({
      onError: () => {
        throw new Error('from onError');
      },
    });
    await request(server).post('/robust/login').expect(503);
    await request(server).post('/robust/login').expect(503);
  });

  it('holds a response that starts while the session is read, and sends it intact', async () => {
    const cookie = cookieHeader(await request(app()).post('/robust/login').expect(200));
    lateLoadCode = undefined;
    backend.delayMs = 30;
    backend.calls.length = 0;
    const res = await request(app()).get('/robust/load-while-writing').set('Cookie', cookie).expect(200);
    expect(res.text).to.equal('ab');
    expect(lateLoadCode).to.equal(undefined);
    expect(backend.count('read')).to.equal(1);
    expect(backend.count('write')).to.equal(0);
  });

  it('makes a destroy() that the handler does not await a logout all the same', async () => {
    const server = app();
    const cookie = cookieHeader(await request(server).post('/robust/login').expect(200));
    const res = await request(server).post('/robust/logout-unawaited').set('Cookie', cookie).expect(200);
    expect(isCleared(sessionCookie(res))).to.equal(true);
    expect((await request(server).get('/robust/me').set('Cookie', cookie).expect(200)).body.user).to.equal(null);
    expect(memory.size).to.equal(0);
  });

  it('completes a regenerate() that the handler does not await before saving', async () => {
    const server = app();
    const cookie = cookieHeader(await request(server).post('/robust/login').expect(200));
    const res = await request(server).post('/robust/regenerate-unawaited').set('Cookie', cookie).expect(200);
    const renewed = cookieHeader(res);
    expect(renewed).to.not.equal(cookie);
    expect((await request(server).get('/robust/me').set('Cookie', renewed).expect(200)).body.user).to.equal('alice');
    expect((await request(server).get('/robust/me').set('Cookie', cookie).expect(200)).body.user).to.equal(null);
  });

  it('keeps member names of a foreign record out of the data (no session id in JSON.stringify)', async () => {
    const id = await memory.write({ id: 42, load: 'x', name: 'legacy' });
    const res = await request(app()).get('/robust/me').set('Cookie', `session=${id}`).expect(200);
    expect(JSON.parse(res.body.json)).to.deep.equal({ name: 'legacy' });
    expect(res.body.json).to.not.include(id);
  });

  it('refuses two session configurations on one request with a clear error', async () => {
    const server = createApp([AreaController], { backend }, { middlewares: [GlobalSessionsForConflict] });
    AreaSessions.configure({ backend: new InMemoryBackend(), cookie: { name: 'area' } });
    const res = await request(server).post('/area/login').expect(500);
    expect(res.text).to.include('Two session configurations');
    AreaSessions.configure({ backend: new InMemoryBackend(), cookie: { name: 'area' } });
  });

  it('does not accept the signed cookie of one area in another sharing the secret', async () => {
    const server = createApp([RobustController, AreaController], { secretKey: SECRET });
    AreaSessions.configure({ secretKey: SECRET, cookie: { name: 'area' } });
    const area = await request(server).post('/area/login').expect(200);
    const res = await request(server)
      .get('/robust/me')
      .set('Cookie', `session=${sessionCookie(area, 'area')!.value}`)
      .expect(200);
    expect(res.body.user).to.equal(null);
  });

  it('commits a request sent with an absolute-form target', async () => {
    const server = sessionApp({ backend }).listen(0, '127.0.0.1');
    await new Promise(resolve => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const headers = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port, method: 'POST', path: `http://127.0.0.1:${port}/s/increment` },
          res => {
            res.resume();
            res.on('end', () => resolve(res.headers));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(String(headers['set-cookie'])).to.match(/^session=/);
      expect(memory.size).to.equal(1);
    } finally {
      server.close();
    }
  });

  it('autoloads a path prefix whatever its case, as express routes it', async () => {
    const res = await request(sessionApp({ backend, autoload: ['/s'] }))
      .get('/S/untouched')
      .expect(200);
    expect(res.body).to.deep.equal({ ok: true });
  });

  it('strips __proto__ keys spelt with escapes', () => {
    const parsed = parseSession('{"\\u005f_proto__":{"polluted":1},"a":1}')!;
    expect(Object.assign({}, parsed)).to.not.have.property('polluted');
    expect(parsed).to.deep.equal({ a: 1 });
  });

  it('checks cookie prefixes whatever their case', () => {
    expect(() => configureSessions({ secretKey: SECRET, cookie: { name: '__HOST-s', secure: 'auto' } })).to.throw(
      SessionError,
      '`cookie.name`',
    );
  });
});
