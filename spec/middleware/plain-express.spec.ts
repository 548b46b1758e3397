/** `sessionMiddleware()`: the same sessions on a plain express app, without routing-controllers. */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { Container, Service } from 'typedi';
import { InMemoryBackend, SessionError, sessionMiddleware } from '../../src';
import { SECRET } from '../support/app';
import { cookieHeader, sessionCookie } from '../support/cookies';
import { FaultyBackend } from '../support/faulty-backend';
import { nextSequence } from '../support/http';

@Service()
class ContainerBackend extends InMemoryBackend {}

describe('sessionMiddleware()', () => {
  it('gives plain express routes the session, loaded lazily, on the default cookie backend', async () => {
    const app = express();
    app.use(sessionMiddleware({ secretKey: SECRET }));
    app.get('/untouched', (req, res) => void res.json({ loaded: req.session.isLoaded }));
    app.post('/visits', async (req, res) => {
      await req.session.load();
      req.session.visits = Number(req.session.visits ?? 0) + 1;
      res.json({ visits: req.session.visits });
    });
    expect((await request(app).get('/untouched').expect(200)).body).to.deep.equal({ loaded: false });
    const first = await request(app).post('/visits').expect(200);
    const second = await request(app).post('/visits').set('Cookie', cookieHeader(first)).expect(200);
    expect(second.body).to.deep.equal({ visits: 2 });
  });

  it('commits before res.redirect() sends its status line, even after a slow write', async () => {
    const backend = new FaultyBackend();
    backend.delayMs = 50;
    let written = 0;
    const write = backend.write.bind(backend);
    backend.write = async (...args) => {
      const id = await write(...args);
      written = nextSequence();
      return id;
    };
    const app = express();
    app.use(sessionMiddleware({ backend, autoload: true }));
    app.post('/login', (req, res) => {
      req.session.user = 'ada';
      res.redirect(303, '/home');
    });
    let headersAt = 0;
    const res = await request(app)
      .post('/login')
      .expect(303)
      .expect('Location', '/home')
      .on('response', () => (headersAt = nextSequence()));
    expect(written).to.be.greaterThan(0);
    expect(headersAt).to.be.greaterThan(written);
    expect(await backend.inner.read(cookieHeader(res).slice('session='.length))).to.include({ user: 'ada' });
  });

  it('answers a failed commit with 503 JSON and no cookie', async () => {
    const backend = new FaultyBackend();
    backend.failing.add('write');
    const app = express();
    app.use(sessionMiddleware({ backend, autoload: true }));
    app.post('/', (req, res) => {
      req.session.user = 'ada';
      res.json({ ok: true });
    });
    const res = await request(app).post('/').expect(503);
    expect(res.body).to.include({ name: 'SessionBackendError', code: 'BACKEND_FAILURE' });
    expect(sessionCookie(res)).to.equal(undefined);
  });

  it('resolves a backend class from the typedi container', async () => {
    const app = express();
    app.use(sessionMiddleware({ backend: ContainerBackend }));
    app.post('/', async (req, res) => {
      await req.session.load();
      req.session.n = 1;
      res.json({});
    });
    const res = await request(app).post('/').expect(200);
    expect(await Container.get(ContainerBackend).exists(cookieHeader(res).slice('session='.length))).to.equal(true);
  });

  it('checks its options when it is created', () => {
    expect(() => sessionMiddleware({ backend: new InMemoryBackend(), lifetime: -1 }))
      .to.throw(SessionError, 'lifetime')
      .with.property('code', 'INVALID_OPTION');
  });
});
