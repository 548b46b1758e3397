/** `createSessionCookie()`: a seeded session is the one a handler loads, on every backend and configuration. */
import { expect } from 'chai';
import { IsInt, IsOptional } from 'class-validator';
import express from 'express';
import type { Request } from 'express';
import { Get, JsonController, Req, UseBefore, useContainer } from 'routing-controllers';
import request from 'supertest';
import { Container, Service } from 'typedi';
import {
  CookieBackend,
  EncryptedCookieBackend,
  InMemoryBackend,
  SessionError,
  SessionMiddleware,
  SessionValidationError,
  configureSessions,
  sessionMiddleware,
  type SessionBackend,
} from '../../src';
import { createSessionCookie } from '../../src/testing';
import { SECRET, createApp } from '../support/app';
import { FakeClock } from '../support/clock';

@JsonController('/seeded')
@UseBefore(SessionMiddleware)
@Service()
class SeededController {
  @Get('/')
  async show(@Req() req: Request) {
    await req.session.load();
    return { data: { ...req.session }, id: req.session.id ?? null, meta: req.session.meta };
  }
}

/** An area with sessions of its own, configured in a container of its own. */
@Service()
class AreaSessions extends SessionMiddleware {}

@JsonController('/area')
@UseBefore(AreaSessions)
@Service()
class AreaController {
  @Get('/')
  async show(@Req() req: Request) {
    await req.session.load();
    return { data: { ...req.session } };
  }
}

class Profile {
  @IsOptional()
  @IsInt()
  userId?: number;
}

async function seenBy(app: express.Express, cookie: string, path = '/seeded') {
  return (await request(app).get(path).set('Cookie', cookie).expect(200)).body as {
    data: Record<string, unknown>;
    id: string | null;
    meta: { createdAt: number; expiresAt: number };
  };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('createSessionCookie()', () => {
  const backends: Array<[string, () => SessionBackend]> = [
    ['CookieBackend', () => new CookieBackend({ secretKey: SECRET })],
    ['EncryptedCookieBackend', () => new EncryptedCookieBackend({ secretKey: SECRET })],
    ['InMemoryBackend', () => new InMemoryBackend()],
  ];
  for (const [name, makeBackend] of backends) {
    it(`starts a request with the given session on ${name}`, async () => {
      const app = createApp([SeededController], { backend: makeBackend() });
      const cookie = await createSessionCookie(SessionMiddleware, { userId: 7, roles: ['admin'] });
      expect(cookie).to.match(/^session=[^;\s]+$/);
      expect((await seenBy(app, cookie)).data).to.deep.equal({ userId: 7, roles: ['admin'] });
    });
  }

  it('stores a server-side session under an id the handler sees, and a cookie session in the cookie itself', async () => {
    const app = createApp([SeededController], { backend: new InMemoryBackend() });
    const cookie = await createSessionCookie(SessionMiddleware, { userId: 7 });
    expect((await seenBy(app, cookie)).id).to.equal(cookie.slice('session='.length));

    const cookieApp = createApp([SeededController], { secretKey: SECRET });
    const sealed = await createSessionCookie(SessionMiddleware, { userId: 7 });
    // The default backend signs for its cookie name (`purpose`).
    const opened = await new CookieBackend({ secretKey: SECRET, purpose: 'session' }).read(
      sealed.slice('session='.length),
    );
    expect(opened).to.include({ userId: 7 });
    expect((await seenBy(cookieApp, sealed)).data).to.deep.equal({ userId: 7 });
  });

  it('writes the metadata of a new session from the configured clock and lifetime', async () => {
    const clock = new FakeClock();
    const app = createApp([SeededController], { backend: new InMemoryBackend(), clock: clock.now, lifetime: 600 });
    const cookie = await createSessionCookie(SessionMiddleware, { userId: 7 });
    const { meta } = await seenBy(app, cookie);
    expect(meta.createdAt).to.equal(clock.seconds);
    expect(meta.expiresAt).to.equal(clock.seconds + 600);
    clock.advance(600);
    expect((await seenBy(app, cookie)).data, 'past its lifetime').to.deep.equal({});
  });

  it('uses the configured cookie name', async () => {
    const app = createApp([SeededController], { backend: new InMemoryBackend(), cookie: { name: '__Host-sid' } });
    const cookie = await createSessionCookie(SessionMiddleware, { userId: 7 });
    expect(cookie.startsWith('__Host-sid=')).to.equal(true);
    expect((await seenBy(app, cookie)).data).to.deep.equal({ userId: 7 });
  });

  it('seeds a subclass configured in a container of its own', async () => {
    const container = Container.of('testing-spec-area');
    const backend = new InMemoryBackend();
    AreaSessions.configure({ backend, cookie: { name: 'area' } }, container);
    // The global configuration is another one: the helper must not fall back to it.
    configureSessions({ backend: new InMemoryBackend() });
    useContainer(container);
    try {
      const app = createApp([AreaController], { backend: new InMemoryBackend() });
      // createApp configured the global Container; the area's configuration lives in `container`.
      const cookie = await createSessionCookie(AreaSessions, { area: 'admin' }, { container });
      expect(cookie.startsWith('area=')).to.equal(true);
      expect(await backend.exists(cookie.slice('area='.length))).to.equal(true);
      expect((await seenBy(app, cookie, '/area')).data).to.deep.equal({ area: 'admin' });
    } finally {
      useContainer(Container);
    }
  });

  it('refuses a subclass configured in another container than the one it is given', async () => {
    @Service()
    class Unconfigured extends SessionMiddleware {}
    const error = await caught(createSessionCookie(Unconfigured, { a: 1 }, { container: Container.of('empty-spec') }));
    expect(error).to.be.instanceOf(SessionError).with.property('code', 'NOT_CONFIGURED');
    expect((error as Error).message)
      .to.include('Unconfigured')
      .and.include('the given container');
  });

  it('seeds the sessions of a plain express app through the SessionConfig of the same options', async () => {
    const options = { backend: new InMemoryBackend(), cookie: { secure: false } };
    const app = express();
    app.use(sessionMiddleware(options));
    app.get('/seeded', async (req, res) => {
      await req.session.load();
      res.json({ data: { ...req.session } });
    });
    const cookie = await createSessionCookie(configureSessions(options), { userId: 7 });
    expect((await seenBy(app, cookie)).data).to.deep.equal({ userId: 7 });
  });

  it('refuses a sessionMiddleware() handler, saying to pass a SessionConfig', async () => {
    const handler = sessionMiddleware({ backend: new InMemoryBackend() });
    const error = await caught(createSessionCookie(handler as never, { a: 1 }));
    expect(error).to.be.instanceOf(SessionError).with.property('code', 'INVALID_ARGUMENT');
    expect((error as Error).message).to.include('SessionConfig');
  });

  describe('with a schema', () => {
    it('stores data that passes it, and the handler loads it', async () => {
      const app = createApp([SeededController], {
        backend: new InMemoryBackend(),
        schema: Profile,
        validation: { beforeSave: true },
      });
      const cookie = await createSessionCookie(SessionMiddleware, { userId: 7 });
      expect((await seenBy(app, cookie)).data).to.deep.equal({ userId: 7 });
    });

    it('refuses data that fails it under validation.beforeSave, storing nothing', async () => {
      const backend = new InMemoryBackend();
      let writes = 0;
      const write = backend.write.bind(backend);
      backend.write = (...args) => (writes++, write(...args));
      createApp([SeededController], { backend, schema: Profile, validation: { beforeSave: true } });
      const error = await caught(createSessionCookie(SessionMiddleware, { userId: 'seven' }));
      expect(error).to.be.instanceOf(SessionValidationError).with.property('status', 500);
      expect(writes).to.equal(0);
    });

    it('stores data that fails it without beforeSave, so that a test can check onInvalid', async () => {
      const app = createApp([SeededController], { backend: new InMemoryBackend(), schema: Profile });
      const cookie = await createSessionCookie(SessionMiddleware, { userId: 'seven' });
      expect((await seenBy(app, cookie)).data, "reset by the default onInvalid: 'reset'").to.deep.equal({});
    });
  });

  describe('refuses, with a SessionError', () => {
    beforeEach(() => {
      configureSessions({ backend: new InMemoryBackend() });
    });

    it('a class never configured', async () => {
      @Service()
      class NeverConfigured {}
      const error = await caught(createSessionCookie(NeverConfigured, { a: 1 }));
      expect(error).to.be.instanceOf(SessionError).with.property('code', 'NOT_CONFIGURED');
      expect((error as Error).message).to.include('NeverConfigured');
    });

    it('something that is neither a class nor a configuration', async () => {
      const error = await caught(createSessionCookie({ backend: 'redis' } as never, { a: 1 }));
      expect(error).to.be.instanceOf(SessionError).with.property('code', 'INVALID_ARGUMENT');
    });

    const badData: Array<[string, unknown]> = [
      ['an array', [1, 2]],
      ['a Map', new Map([['a', 1]])],
      ['a class instance', new Profile()],
      ['null', null],
      ['a string', 'userId=7'],
      ['no data at all', {}],
    ];
    for (const [label, data] of badData) {
      it(`${label} as the data`, async () => {
        const error = await caught(createSessionCookie(SessionMiddleware, data as object));
        expect(error).to.be.instanceOf(SessionError).with.property('code', 'INVALID_ARGUMENT');
      });
    }

    it('data that is not JSON', async () => {
      const error = await caught(createSessionCookie(SessionMiddleware, { big: 1n }));
      expect(error).to.be.instanceOf(SessionError).with.property('code', 'INVALID_ARGUMENT');
      expect((error as Error).message).to.include('JSON');
    });

    for (const key of ['id', 'load', '__session']) {
      it(`a key the session reserves (${key})`, async () => {
        const error = await caught(createSessionCookie(SessionMiddleware, { [key]: 1 }));
        expect(error).to.be.instanceOf(SessionError).with.property('code', 'RESERVED_KEY');
      });
    }
  });
});
