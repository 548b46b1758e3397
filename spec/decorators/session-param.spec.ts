import { expect } from 'chai';
import { Controller, Get, JsonController, Post, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import { CurrentSession, InMemoryBackend, SessionMiddleware, SessionParam, type Session } from '../../src';
import { createApp } from '../support/app';
import { cookieHeader } from '../support/cookies';
import { FaultyBackend } from '../support/faulty-backend';

@JsonController('/param')
@UseBefore(SessionMiddleware)
@Service()
class ParamController {
  @Post('/login')
  async login(@CurrentSession() session: Session) {
    session.userId = 7;
    session.tags = ['a'];
    return { isLoaded: session.isLoaded };
  }

  @Get('/optional')
  optional(@SessionParam('userId') userId: number | undefined) {
    return { userId: userId ?? null };
  }

  @Get('/required')
  required(@SessionParam('userId', { required: true }) userId: number) {
    return { userId };
  }

  @Get('/two')
  two(@SessionParam('userId') userId: number, @SessionParam('tags') tags: string[]) {
    return { userId, tags };
  }

  @Post('/logout')
  async logout(@CurrentSession() session: Session) {
    await session.destroy();
    return { ok: true };
  }
}

@Controller('/param-text')
@UseBefore(SessionMiddleware)
@Service()
class TextController {
  @Get('/required')
  required(@SessionParam('userId', { required: true }) userId: number) {
    return `user ${userId}`;
  }
}

@JsonController('/no-middleware')
@Service()
class NoMiddlewareController {
  @Get('/')
  get(@SessionParam('userId') userId: number) {
    return { userId };
  }
}

describe('@SessionParam() and @CurrentSession()', () => {
  let backend: FaultyBackend;
  beforeEach(() => {
    backend = new FaultyBackend(new InMemoryBackend());
  });
  const app = () => createApp([ParamController, TextController, NoMiddlewareController], { backend });

  async function login() {
    return cookieHeader(await request(app()).post('/param/login').expect(200));
  }

  it('@CurrentSession() injects the loaded session, whose changes are saved', async () => {
    const cookie = await login();
    const res = await request(app()).get('/param/two').set('Cookie', cookie).expect(200);
    expect(res.body).to.deep.equal({ userId: 7, tags: ['a'] });
  });

  it('@SessionParam() loads the session itself, once for several parameters', async () => {
    const cookie = await login();
    backend.calls.length = 0;
    await request(app()).get('/param/two').set('Cookie', cookie).expect(200);
    expect(backend.count('read')).to.equal(1);
  });

  it('injects undefined for a missing optional value', async () => {
    const res = await request(app()).get('/param/optional').expect(200);
    expect(res.body).to.deep.equal({ userId: null });
  });

  it('answers 400 with a JSON body for a missing required value', async () => {
    const res = await request(app()).get('/param/required').expect(400);
    expect(res.body).to.deep.include({ name: 'BadRequestError' });
    expect(res.body.message).to.include('userId');
  });

  it('answers 400 in a plain controller too', async () => {
    const server = createApp([TextController], { backend }, { development: false });
    const res = await request(server).get('/param-text/required').expect(400);
    expect(res.text).to.include('userId');
  });

  it('passes a present required value', async () => {
    const cookie = await login();
    const res = await request(app()).get('/param/required').set('Cookie', cookie).expect(200);
    expect(res.body).to.deep.equal({ userId: 7 });
  });

  it('destroys through the injected session', async () => {
    const cookie = await login();
    await request(app()).post('/param/logout').set('Cookie', cookie).expect(200);
    const res = await request(app()).get('/param/optional').set('Cookie', cookie).expect(200);
    expect(res.body).to.deep.equal({ userId: null });
  });

  it('says to add SessionMiddleware when it is missing', async () => {
    const res = await request(app()).get('/no-middleware').expect(500);
    expect(res.body.code).to.equal('MIDDLEWARE_MISSING');
    expect(res.body.message).to.include('@UseBefore(SessionMiddleware)');
  });

  it('fails with 503 when the backend cannot be read', async () => {
    const cookie = await login();
    backend.failing.add('read');
    const res = await request(app()).get('/param/required').set('Cookie', cookie).expect(503);
    expect(res.body.name).to.equal('SessionBackendError');
  });
});
