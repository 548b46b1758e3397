import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { InMemoryBackend, type SessionCookieOptions } from '../../src';
import { cookieHeader, isCleared, sessionCookie, setCookies } from '../support/cookies';
import { sessionApp } from '../support/session-controller';

describe('option: cookie', () => {
  const app = (cookie: SessionCookieOptions, options = {}) =>
    sessionApp({ backend: new InMemoryBackend(), cookie, ...options }, { routePrefix: '' });

  it('defaults to session, Path=/, HttpOnly, SameSite=Lax, Secure', async () => {
    const res = await request(app({})).post('/s/increment').expect(200);
    const cookie = sessionCookie(res)!;
    expect(cookie.attributes).to.deep.include({ path: '/', httponly: true, samesite: 'Lax', secure: true });
    expect(cookie.attributes).to.not.have.property('domain');
    expect(cookie.attributes).to.not.have.property('partitioned');
  });

  it('writes every configured attribute', async () => {
    const res = await request(
      app({
        name: 'sid',
        path: '/s',
        domain: 'example.com',
        sameSite: 'none',
        secure: true,
        httpOnly: false,
        partitioned: true,
        priority: 'high',
      }),
    )
      .post('/s/increment')
      .expect(200);
    const cookie = sessionCookie(res, 'sid')!;
    expect(cookie.attributes).to.deep.include({
      path: '/s',
      domain: 'example.com',
      samesite: 'None',
      secure: true,
      partitioned: true,
      priority: 'High',
    });
    expect(cookie.attributes).to.not.have.property('httponly');
  });

  it('omits SameSite when false', async () => {
    const res = await request(app({ sameSite: false }))
      .post('/s/increment')
      .expect(200);
    expect(sessionCookie(res)!.attributes).to.not.have.property('samesite');
  });

  it('clears with the same name, path, domain, secure and sameSite', async () => {
    const server = app({ name: 'sid', path: '/s', domain: 'example.com', sameSite: 'strict' });
    const cookie = cookieHeader(await request(server).post('/s/increment').expect(200), 'sid');
    const res = await request(server).post('/s/destroy').set('Cookie', cookie).expect(200);
    const cleared = sessionCookie(res, 'sid')!;
    expect(isCleared(cleared)).to.equal(true);
    expect(cleared.attributes).to.deep.include({
      path: '/s',
      domain: 'example.com',
      samesite: 'Strict',
      secure: true,
      httponly: true,
    });
    expect(Date.parse(cleared.attributes.expires as string)).to.equal(0);
  });

  describe("secure: 'auto'", () => {
    it('omits Secure over plain HTTP', async () => {
      const res = await request(app({ secure: 'auto' }))
        .post('/s/increment')
        .expect(200);
      expect(sessionCookie(res)!.attributes).to.not.have.property('secure');
    });

    it('sets Secure behind a trusted HTTPS proxy', async () => {
      const server = app({ secure: 'auto' });
      server.set('trust proxy', 'loopback');
      const res = await request(server).post('/s/increment').set('X-Forwarded-Proto', 'https').expect(200);
      expect(sessionCookie(res)!.attributes).to.have.property('secure', true);
    });
  });

  describe('path', () => {
    it('issues no Set-Cookie for a request outside the cookie path', async () => {
      const res = await request(app({ path: '/elsewhere' }))
        .post('/s/increment')
        .expect(200);
      expect(setCookies(res)).to.deep.equal([]);
    });

    it('issues it on a segment-wise match', async () => {
      const res = await request(app({ path: '/s' }))
        .post('/s/increment')
        .expect(200);
      expect(sessionCookie(res)).to.not.equal(undefined);
    });
  });

  it('reads the configured cookie name only', async () => {
    const server = app({ name: 'sid' });
    const cookie = cookieHeader(await request(server).post('/s/increment').expect(200), 'sid');
    const res = await request(server).get('/s/read').set('Cookie', `session=x; ${cookie}`).expect(200);
    expect(res.body.data).to.deep.equal({ count: 1 });
  });
});

describe('responses that set the session cookie', () => {
  const app = () => sessionApp({ backend: new InMemoryBackend() });

  it('are marked Cache-Control: no-store and Vary: Cookie', async () => {
    const res = await request(app()).post('/s/increment').expect(200);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.headers.vary).to.equal('Cookie');
  });

  it('keep a Cache-Control the app chose, and add Cookie to its Vary', async () => {
    const res = await request(sessionAppWithHeaders()).post('/s/increment').expect(200);
    expect(res.headers['cache-control']).to.equal('private, max-age=0');
    expect(res.headers.vary).to.equal('Accept-Encoding, Cookie');
  });

  it('are left alone when no cookie is set', async () => {
    const server = app();
    const cookie = cookieHeader(await request(server).post('/s/increment').expect(200));
    const res = await request(server).get('/s/read').set('Cookie', cookie).expect(200);
    expect(res.headers).to.not.have.property('vary');
    expect(res.headers['cache-control']).to.equal(undefined);
  });
});

/** The session app behind a middleware that sets its own caching headers first. */
function sessionAppWithHeaders() {
  const outer = express();
  outer.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'private, max-age=0');
    res.setHeader('Vary', 'Accept-Encoding');
    next();
  });
  outer.use(sessionApp({ backend: new InMemoryBackend() }));
  return outer;
}
