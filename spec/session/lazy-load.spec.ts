import { expect } from 'chai';
import type { Request } from 'express';
import {
  Get,
  JsonController,
  Post,
  Req,
  Session as RcSession,
  SessionParam as RcSessionParam,
  UseBefore,
} from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import { SessionMiddleware } from '../../src';
import { createApp } from '../support/app';
import { cookieHeader, sessionCookie } from '../support/cookies';
import { FaultyBackend } from '../support/faulty-backend';

@JsonController('/lazy')
@UseBefore(SessionMiddleware)
@Service()
class LazyController {
  @Get('/untouched')
  untouched(@Req() req: Request) {
    return { present: req.session !== undefined, isLoaded: req.session.isLoaded, id: req.session.id ?? null };
  }

  @Get('/read-before-load')
  readBeforeLoad(@Req() req: Request) {
    return { value: req.session.userId };
  }

  @Get('/write-before-load')
  writeBeforeLoad(@Req() req: Request) {
    req.session.userId = 1;
    return {};
  }

  @Get('/keys-before-load')
  keysBeforeLoad(@Req() req: Request) {
    return Object.keys(req.session);
  }

  @Post('/login')
  async login(@Req() req: Request) {
    await req.session.load();
    req.session.userId = 7;
    req.session.cart = { items: ['apple'] };
    return { isLoaded: req.session.isLoaded };
  }

  @Get('/inspect')
  async inspect(@Req() req: Request) {
    await req.session.load();
    await req.session.load(); // a second call does nothing
    return {
      keys: Object.keys(req.session),
      json: JSON.parse(JSON.stringify(req.session)),
      hasUserId: 'userId' in req.session,
      hasLoad: 'load' in req.session,
    };
  }

  @Get('/delete')
  async remove(@Req() req: Request) {
    await req.session.load();
    delete req.session.cart;
    return Object.keys(req.session);
  }

  @Get('/reserved/:key')
  async reserved(@Req() req: Request) {
    await req.session.load();
    (req.session as Record<string, unknown>)[String(req.params.key)] = 1;
    return {};
  }

  @Get('/concurrent-loads')
  async concurrentLoads(@Req() req: Request) {
    await Promise.all([req.session.load(), req.session.load(), req.session.load()]);
    return { userId: req.session.userId };
  }

  @Get('/thenable')
  async thenable(@Req() req: Request) {
    const awaited = await req.session; // not a thenable: resolves to the session itself
    return { same: awaited === req.session };
  }
}

@JsonController('/rc')
@UseBefore(SessionMiddleware)
@Service()
class RoutingControllersDecoratorsController {
  @Get('/session')
  session(@RcSession() session: Record<string, unknown>) {
    return { userId: session.userId };
  }

  @Get('/param')
  param(@RcSessionParam('userId') userId: number) {
    return { userId };
  }
}

describe('req.session', () => {
  let backend: FaultyBackend;
  const app = () => createApp([LazyController, RoutingControllersDecoratorsController], { backend });
  beforeEach(() => {
    backend = new FaultyBackend();
  });

  async function login(server = app()) {
    const res = await request(server).post('/lazy/login').expect(200);
    return cookieHeader(res);
  }

  describe('before load()', () => {
    it('is present on every request and does no I/O', async () => {
      const cookie = await login();
      backend.calls.length = 0;
      const res = await request(app()).get('/lazy/untouched').set('Cookie', cookie).expect(200);
      expect(res.body).to.deep.equal({ present: true, isLoaded: false, id: null });
      expect(backend.calls).to.deep.equal([]);
      expect(sessionCookie(res)).to.equal(undefined);
    });

    for (const [route, what] of [
      ['read-before-load', 'reading data'],
      ['write-before-load', 'writing data'],
      ['keys-before-load', 'listing keys'],
    ]) {
      it(`throws SessionNotLoaded when ${what}, with a message that says how to fix it`, async () => {
        const res = await request(app()).get(`/lazy/${route}`).expect(500);
        expect(res.body.name).to.equal('SessionNotLoaded');
        expect(res.body.message).to.include('await req.session.load()').and.include('autoload');
      });
    }
  });

  describe('after load()', () => {
    it('exposes data as plain properties, for Object.keys, JSON.stringify and `in`', async () => {
      const cookie = await login();
      const res = await request(app()).get('/lazy/inspect').set('Cookie', cookie).expect(200);
      expect(res.body).to.deep.equal({
        keys: ['userId', 'cart'],
        json: { userId: 7, cart: { items: ['apple'] } },
        hasUserId: true,
        hasLoad: true,
      });
    });

    it('deletes data with `delete`', async () => {
      const cookie = await login();
      const res = await request(app()).get('/lazy/delete').set('Cookie', cookie).expect(200);
      expect(res.body).to.deep.equal(['userId']);
    });

    for (const key of ['load', 'id', 'isLoaded', 'regenerate', 'destroy', '__session', '__proto__']) {
      it(`refuses data under the reserved name "${key}"`, async () => {
        const res = await request(app()).get(`/lazy/reserved/${key}`).expect(500);
        expect(res.body.code).to.equal('RESERVED_KEY');
      });
    }

    it('reads the backend once, even for concurrent load() calls', async () => {
      const cookie = await login();
      backend.calls.length = 0;
      backend.delayMs = 20;
      const res = await request(app()).get('/lazy/concurrent-loads').set('Cookie', cookie).expect(200);
      expect(res.body).to.deep.equal({ userId: 7 });
      expect(backend.count('read')).to.equal(1);
    });

    it('is not a thenable, so awaiting or returning it is harmless', async () => {
      const res = await request(app()).get('/lazy/thenable').expect(200);
      expect(res.body).to.deep.equal({ same: true });
    });
  });

  describe("routing-controllers' own @Session() and @SessionParam()", () => {
    it('work on an autoloaded session', async () => {
      const cookie = await login();
      const server = createApp([LazyController, RoutingControllersDecoratorsController], { backend, autoload: true });
      expect((await request(server).get('/rc/session').set('Cookie', cookie).expect(200)).body).to.deep.equal({
        userId: 7,
      });
      expect((await request(server).get('/rc/param').set('Cookie', cookie).expect(200)).body).to.deep.equal({
        userId: 7,
      });
    });

    it('fail with SessionNotLoaded on a session that is not loaded', async () => {
      // routing-controllers hands this synchronous throw to express's error handler, hence text, not JSON.
      const res = await request(app()).get('/rc/param').expect(500);
      expect(res.text).to.include('SessionNotLoaded');
    });
  });
});
