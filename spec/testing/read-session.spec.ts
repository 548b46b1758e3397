/** `readSessionFromResponse()` and `readSessionFromCookie()`: what a request left in the store, read back. */
import { expect } from 'chai';
import type { Request } from 'express';
import { Get, JsonController, Post, Req, UseBefore } from 'routing-controllers';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Service } from 'typedi';
import { CookieBackend, InMemoryBackend, SessionMiddleware, type SessionBackend } from '../../src';
import { createSessionCookie, readSessionFromCookie, readSessionFromResponse } from '../../src/testing';
import { SECRET, createApp } from '../support/app';

@JsonController('/stored')
@UseBefore(SessionMiddleware)
@Service()
class StoringController {
  @Post('/login')
  async login(@Req() req: Request) {
    await req.session.load();
    req.session.user = { name: 'Ada', roles: ['admin'] };
    req.session.addFlash('info', 'welcome');
    return {};
  }

  @Post('/cart')
  async addToCart(@Req() req: Request) {
    await req.session.load();
    req.session.cart = [...((req.session.cart as string[] | undefined) ?? []), 'b'];
    return {};
  }

  @Get('/peek')
  async peek(@Req() req: Request) {
    await req.session.load();
    return {};
  }

  @Post('/logout')
  async logout(@Req() req: Request) {
    await req.session.destroy();
    return {};
  }
}

describe('reading a stored session', () => {
  const backends: Array<[string, () => SessionBackend]> = [
    ['CookieBackend', () => new CookieBackend({ secretKey: SECRET })],
    ['InMemoryBackend', () => new InMemoryBackend()],
  ];
  for (const [name, makeBackend] of backends) {
    describe(`on ${name}`, () => {
      it('reads from a response what its handler wrote, without metadata or flash messages', async () => {
        const app = createApp([StoringController], { backend: makeBackend() });
        const res = await request(app).post('/stored/login').expect(200);
        expect(await readSessionFromResponse(SessionMiddleware, res)).to.deep.equal({
          user: { name: 'Ada', roles: ['admin'] },
        });
      });

      it('reads a cleared cookie as null', async () => {
        const app = createApp([StoringController], { backend: makeBackend() });
        const cookie = await createSessionCookie(SessionMiddleware, { user: 'Ada' });
        const res = await request(app).post('/stored/logout').set('Cookie', cookie).expect(200);
        expect(await readSessionFromResponse(SessionMiddleware, res)).to.equal(null);
      });

      it('reads a response that set no session cookie as undefined', async () => {
        const app = createApp([StoringController], { backend: makeBackend() });
        const cookie = await createSessionCookie(SessionMiddleware, { user: 'Ada' });
        const res = await request(app).get('/stored/peek').set('Cookie', cookie).expect(200);
        expect(res.headers['set-cookie'], 'the spec needs a response without Set-Cookie').to.equal(undefined);
        expect(await readSessionFromResponse(SessionMiddleware, res)).to.equal(undefined);
      });
    });
  }

  it('reads what is stored under a cookie after a request that sent no Set-Cookie back', async () => {
    const app = createApp([StoringController], { backend: new InMemoryBackend() });
    const cookie = await createSessionCookie(SessionMiddleware, { cart: ['a'] });
    const res = await request(app).post('/stored/cart').set('Cookie', cookie).expect(200);
    expect(res.headers['set-cookie'], 'a server-side id does not change').to.equal(undefined);
    expect(await readSessionFromCookie(SessionMiddleware, cookie)).to.deep.equal({ cart: ['a', 'b'] });
    expect(await readSessionFromCookie(SessionMiddleware, `other=1; ${cookie}`), 'among other cookies').to.deep.equal({
      cart: ['a', 'b'],
    });
  });

  it('reads a cookie with no session behind it as undefined', async () => {
    const backend = new InMemoryBackend();
    createApp([StoringController], { backend });
    const cookie = await createSessionCookie(SessionMiddleware, { user: 'Ada' });
    await backend.remove(cookie.slice('session='.length));
    expect(await readSessionFromCookie(SessionMiddleware, cookie)).to.equal(undefined);
    expect(await readSessionFromCookie(SessionMiddleware, 'other=1')).to.equal(undefined);
  });

  it('takes the Set-Cookie values themselves, the last one for the session cookie winning', async () => {
    createApp([StoringController], { backend: new InMemoryBackend() });
    const cookie = await createSessionCookie(SessionMiddleware, { user: 'Ada' });
    const setCookie = `${cookie}; Path=/; HttpOnly`;
    expect(await readSessionFromResponse(SessionMiddleware, setCookie)).to.deep.equal({ user: 'Ada' });
    expect(await readSessionFromResponse(SessionMiddleware, ['theme=dark', setCookie])).to.deep.equal({ user: 'Ada' });
    const cleared = 'session=; Max-Age=0; Path=/';
    expect(await readSessionFromResponse(SessionMiddleware, [setCookie, cleared])).to.equal(null);
    const expired = `${cookie}; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
    expect(await readSessionFromResponse(SessionMiddleware, expired), 'expired by date').to.equal(null);
    expect(await readSessionFromResponse(SessionMiddleware, ['xsession=abc', 'theme=dark'])).to.equal(undefined);
  });

  it("takes a fetch Response and node's IncomingMessage", async () => {
    const app = createApp([StoringController], { backend: new InMemoryBackend() });
    const server = http.createServer(app).listen(0, '127.0.0.1');
    await new Promise(resolve => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const fetched = await fetch(`http://127.0.0.1:${port}/stored/login`, { method: 'POST' });
      expect(await readSessionFromResponse(SessionMiddleware, fetched)).to.deep.equal({
        user: { name: 'Ada', roles: ['admin'] },
      });
      const message = await new Promise<http.IncomingMessage>(resolve =>
        http.request({ port, host: '127.0.0.1', method: 'POST', path: '/stored/login' }, resolve).end(),
      );
      message.resume();
      expect(await readSessionFromResponse(SessionMiddleware, message)).to.deep.equal({
        user: { name: 'Ada', roles: ['admin'] },
      });
    } finally {
      server.close();
    }
  });
  it('reads the id header of the header option, for API clients: the new id, then an empty one as null', async () => {
    const app = createApp([StoringController], { backend: new InMemoryBackend(), header: 'x-session-id' });
    const seeded = await createSessionCookie(SessionMiddleware, { cart: ['a'] });
    const id = seeded.slice(seeded.indexOf('=') + 1);
    const res = await request(app).post('/stored/cart').set('X-Session-Id', id).expect(200);
    expect(res.headers['set-cookie']).to.equal(undefined);
    // The id did not change: nothing in the header, and the store holds the change.
    expect(await readSessionFromResponse(SessionMiddleware, res)).to.equal(undefined);
    expect(await readSessionFromCookie(SessionMiddleware, seeded)).to.deep.equal({ cart: ['a', 'b'] });
    const login = await request(app).post('/stored/login').expect(200);
    expect(await readSessionFromResponse(SessionMiddleware, login)).to.have.property('user');
    const fresh = await request(app).post('/stored/login').set('X-Session-Id', 'unknown-id').expect(200);
    expect(fresh.headers['x-session-id']).to.be.a('string').and.not.equal('');
    expect(await readSessionFromResponse(SessionMiddleware, fresh)).to.deep.equal({
      user: { name: 'Ada', roles: ['admin'] },
    });
    const logout = await request(app).post('/stored/logout').set('X-Session-Id', id).expect(200);
    expect(logout.headers['x-session-id']).to.equal('');
    expect(await readSessionFromResponse(SessionMiddleware, logout)).to.equal(null);
  });
});
