/**
 * The members express-session users and their libraries rely on: `save()`, `reload()`, `touch()`, and Node-style
 * callbacks on `regenerate()` and `destroy()`. Served by plain express apps with `sessionMiddleware()`.
 */
import { expect } from 'chai';
import express, { type Express, type RequestHandler } from 'express';
import request from 'supertest';
import { InMemoryBackend, SessionError, sessionMiddleware, type SessionOptions } from '../../src';
import { FakeClock } from '../support/clock';
import { cookieHeader, sessionCookie } from '../support/cookies';
import { FaultyBackend } from '../support/faulty-backend';
import { SECRET } from '../support/app';

/** An app with one POST route per handler, after `sessionMiddleware(options)`. */
function serve(options: SessionOptions, routes: Record<string, RequestHandler>): Express {
  const app = express();
  app.use(sessionMiddleware(options));
  for (const [path, handler] of Object.entries(routes)) app.post(path, handler);
  return app;
}

/** Stores `n: 1`. */
const setOne: RequestHandler = async (req, res) => {
  await req.session.load();
  req.session.n = 1;
  res.json({});
};

describe('session members', () => {
  let backend: FaultyBackend;
  beforeEach(() => (backend = new FaultyBackend(new InMemoryBackend())));

  describe('save()', () => {
    it('writes the record before it resolves; the cookie goes out with the response and nothing is written twice', async () => {
      const app = serve(
        { backend },
        {
          '/': async (req, res) => {
            await req.session.load();
            req.session.user = 'ada';
            await req.session.save();
            res.json({ stored: await backend.inner.read(req.session.id!) });
          },
        },
      );
      const res = await request(app).post('/').expect(200);
      expect(res.body.stored).to.include({ user: 'ada' });
      expect(sessionCookie(res)).to.not.equal(undefined);
      expect(backend.count('write')).to.equal(1);
    });

    it('leaves later changes to the commit, which writes only those', async () => {
      const app = serve(
        { backend },
        {
          '/': async (req, res) => {
            await req.session.load();
            req.session.a = 1;
            await req.session.save();
            req.session.b = 2;
            res.json({});
          },
        },
      );
      const res = await request(app).post('/').expect(200);
      const stored = await backend.inner.read(cookieHeader(res).slice('session='.length));
      expect(stored).to.include({ a: 1, b: 2 });
      expect(backend.calls.filter(call => call.operation === 'write').map(call => call.changes?.changed)).to.deep.equal(
        [undefined, ['b']],
      );
    });

    it('calls a Node-style callback, and passes a store failure to it; the response is then a 503, never a 200', async () => {
      let callbackError: unknown = 'not called';
      const app = serve(
        { backend },
        {
          '/': async (req, res) => {
            await req.session.load();
            req.session.user = 'ada';
            backend.failing.add('write');
            req.session.save(error => {
              callbackError = error;
              res.json({ saved: error === undefined });
            });
          },
        },
      );
      const res = await request(app).post('/').expect(503);
      expect(res.body).to.include({ name: 'SessionBackendError', code: 'BACKEND_FAILURE' });
      expect(callbackError).to.have.property('name', 'SessionBackendError');
      expect(sessionCookie(res)).to.equal(undefined);
    });

    it('keeps what it saved when the response is a 5xx, and sends its cookie', async () => {
      const app = serve(
        { backend },
        {
          '/': async (req, res) => {
            await req.session.load();
            req.session.user = 'ada';
            await req.session.save();
            req.session.later = true;
            res.status(500).json({});
          },
        },
      );
      const res = await request(app).post('/').expect(500);
      const stored = await backend.inner.read(cookieHeader(res).slice('session='.length));
      expect(stored).to.include({ user: 'ada' }).and.not.have.property('later');
    });

    it('is waited for by the commit when the handler responds without waiting for it', async () => {
      const app = serve(
        { backend },
        {
          '/': async (req, res) => {
            await req.session.load();
            req.session.user = 'ada';
            void req.session.save();
            res.redirect(303, '/home');
          },
        },
      );
      const res = await request(app).post('/').expect(303);
      expect(await backend.inner.read(cookieHeader(res).slice('session='.length))).to.include({ user: 'ada' });
      expect(backend.count('write')).to.equal(1);
    });

    it('runs after an earlier call it did not wait for, and never past one that failed', async () => {
      const old = await backend.inner.write({ n: 1 });
      const app = serve(
        { backend, autoload: true },
        {
          '/login': async (req, res) => {
            backend.failing.add('remove');
            void req.session.regenerate(); // fails: the old record cannot be removed
            req.session.user = 'ada';
            const saved = await req.session.save().then(
              () => 'saved',
              (error: Error) => error.name,
            );
            res.json({ saved });
          },
        },
      );
      await request(app).post('/login').set('Cookie', `session=${old}`).expect(503);
      expect(await backend.inner.read(old), 'the record from before the login').to.not.have.property('user');
      expect(backend.count('write')).to.equal(0);
    });

    it('forgets the cookie it decided when destroy() follows, even on a 5xx', async () => {
      const logout: RequestHandler = async (req, res) => {
        await req.session.load();
        req.session.user = 'ada';
        await req.session.save();
        await req.session.destroy();
        res.status(500).json({});
      };
      expect(
        sessionCookie(
          await request(serve({ backend }, { '/': logout }))
            .post('/')
            .expect(500),
        ),
      ).to.equal(undefined);
      expect(
        sessionCookie(
          await request(serve({ secretKey: SECRET }, { '/': logout }))
            .post('/')
            .expect(500),
        ),
      ).to.equal(undefined);
    });

    it('has nothing to save on a degraded session without data, so it is no 503', async () => {
      const id = await backend.inner.write({ n: 1 });
      backend.failing.add('read');
      const app = serve(
        { backend, onBackendFailure: 'degrade' },
        {
          '/': async (req, res) => {
            await req.session.load();
            req.session.save(error => res.json({ error: error ?? null, degraded: req.session.meta?.degraded }));
          },
        },
      );
      const res = await request(app).post('/').set('Cookie', `session=${id}`).expect(200);
      expect(res.body).to.deep.equal({ error: null, degraded: true });
    });

    it('does nothing for a session that was never loaded', async () => {
      const app = serve({ backend }, { '/': (req, res) => void req.session.save().then(() => res.json({})) });
      const res = await request(app).post('/').expect(200);
      expect(backend.calls).to.deep.equal([]);
      expect(sessionCookie(res)).to.equal(undefined);
    });

    it('rejects with SAVED_TOO_LATE once the response has started, and never writes after it', async () => {
      let failure: unknown;
      let done!: () => void;
      const saved = new Promise<void>(resolve => (done = resolve));
      const app = serve(
        { backend },
        {
          '/': async (req, res) => {
            await req.session.load();
            req.session.user = 'ada';
            res.json({});
            req.session.user = 'grace';
            req.session.save(error => {
              failure = error;
              done();
            });
          },
        },
      );
      const res = await request(app).post('/').expect(200);
      await saved;
      expect(failure).to.be.instanceOf(SessionError).with.property('code', 'SAVED_TOO_LATE');
      expect(await backend.inner.read(cookieHeader(res).slice('session='.length))).to.include({ user: 'ada' });
      expect(backend.count('write')).to.equal(1);
    });
  });

  describe('reload()', () => {
    it('drops unsaved changes and reads the stored session again', async () => {
      const app = serve(
        { backend },
        {
          '/set': setOne,
          '/reload': async (req, res) => {
            await req.session.load();
            req.session.n = 2;
            req.session.reload(() => res.json({ n: req.session.n }));
          },
        },
      );
      const cookie = cookieHeader(await request(app).post('/set').expect(200));
      const res = await request(app).post('/reload').set('Cookie', cookie).expect(200);
      expect(res.body).to.deep.equal({ n: 1 });
      expect(backend.count('write')).to.equal(1);
      expect(backend.count('read'), 'the load and the reload').to.equal(2);
    });
  });

  it('refuses save(), touch() and reload() once the response has started', async () => {
    let done!: (codes: unknown[]) => void;
    const refused = new Promise<unknown[]>(resolve => (done = resolve));
    const app = serve(
      { backend, rolling: true },
      {
        '/': async (req, res) => {
          await req.session.load();
          res.json({});
          const calls = [req.session.save(), req.session.touch(), req.session.reload()];
          done(
            await Promise.all(
              calls.map(call =>
                call.then(
                  () => 'resolved',
                  (error: SessionError) => error.code,
                ),
              ),
            ),
          );
        },
      },
    );
    await request(app).post('/').expect(200);
    expect(await refused).to.deep.equal(['SAVED_TOO_LATE', 'SAVED_TOO_LATE', 'LOADED_TOO_LATE']);
  });

  describe('touch()', () => {
    it('refreshes a rolling session within touchAfter, with the backend touch and a new expiry', async () => {
      const clock = new FakeClock();
      const app = serve(
        { backend, rolling: true, touchAfter: 60, clock: clock.now },
        {
          '/set': setOne,
          '/read': async (req, res) => {
            await req.session.load();
            res.json({});
          },
          '/touch': async (req, res) => {
            await req.session.touch();
            res.json({});
          },
        },
      );
      const cookie = cookieHeader(await request(app).post('/set').expect(200));
      clock.advance(10);
      expect(sessionCookie(await request(app).post('/read').set('Cookie', cookie).expect(200))).to.equal(undefined);
      expect(backend.count('touch')).to.equal(0);
      const touched = await request(app).post('/touch').set('Cookie', cookie).expect(200);
      expect(backend.count('touch')).to.equal(1);
      expect(sessionCookie(touched)?.attributes['max-age']).to.equal(String(14 * 24 * 3600));
    });
  });

  describe('regenerate(callback) and destroy(callback)', () => {
    it('call the callback once done, with the new id in place', async () => {
      const app = serve(
        { backend },
        {
          '/set': setOne,
          '/regenerate': (req, res) => {
            req.session.regenerate(error => res.json({ error: error ?? null, n: req.session.n }));
          },
          '/destroy': (req, res) => {
            req.session.destroy(error => res.json({ error: error ?? null, loaded: req.session.isLoaded }));
          },
        },
      );
      const cookie = cookieHeader(await request(app).post('/set').expect(200));
      const regenerated = await request(app).post('/regenerate').set('Cookie', cookie).expect(200);
      expect(regenerated.body).to.deep.equal({ error: null, n: 1 });
      const fresh = cookieHeader(regenerated);
      expect(fresh).to.not.equal(cookie);
      expect(await backend.inner.exists(cookie.slice('session='.length))).to.equal(false);
      const destroyed = await request(app).post('/destroy').set('Cookie', fresh).expect(200);
      expect(destroyed.body).to.deep.equal({ error: null, loaded: true });
      expect(await backend.inner.exists(fresh.slice('session='.length))).to.equal(false);
    });

    it('pass a store failure to the callback, not to an unhandled rejection', async () => {
      const errors: unknown[] = [];
      const app = serve(
        { backend },
        {
          '/set': setOne,
          '/destroy': (req, res) => {
            backend.failing.add('remove');
            req.session.destroy(error => {
              errors.push(error);
              res.json({});
            });
          },
        },
      );
      const cookie = cookieHeader(await request(app).post('/set').expect(200));
      await request(app).post('/destroy').set('Cookie', cookie).expect(503);
      expect(errors).to.have.length(1);
      expect(errors[0]).to.have.property('name', 'SessionBackendError');
    });
  });

  it('reserves the names save, reload and touch', async () => {
    const app = serve(
      { backend },
      {
        '/': async (req, res) => {
          await req.session.load();
          const codes = ['save', 'reload', 'touch'].map(key => {
            try {
              req.session[key] = 1;
              return 'accepted';
            } catch (error) {
              return (error as SessionError).code;
            }
          });
          res.json({ codes });
        },
      },
    );
    expect((await request(app).post('/').expect(200)).body.codes).to.deep.equal([
      'RESERVED_KEY',
      'RESERVED_KEY',
      'RESERVED_KEY',
    ]);
  });
});
