import { expect } from 'chai';
import request from 'supertest';
import { CookieBackend, InMemoryBackend } from '../../src';
import { SECRET } from '../support/app';
import { cookieHeader, isCleared, sessionCookie } from '../support/cookies';
import { FaultyBackend } from '../support/faulty-backend';
import { sessionApp } from '../support/session-controller';

describe('saving rules', () => {
  let backend: FaultyBackend;
  beforeEach(() => {
    backend = new FaultyBackend(new InMemoryBackend());
  });
  const app = (options = {}) => sessionApp({ backend, ...options });

  /** Creates a session holding `count: 1` and returns its Cookie header. */
  async function started(server = app()) {
    const res = await request(server).post('/s/increment').expect(200);
    backend.calls.length = 0;
    return cookieHeader(res);
  }

  describe('a request that never loads the session', () => {
    it('reads, writes and sends nothing, even with a session cookie', async () => {
      const cookie = await started();
      const res = await request(app()).get('/s/untouched').set('Cookie', cookie).expect(200);
      expect(backend.calls).to.deep.equal([]);
      expect(res.headers['set-cookie']).to.equal(undefined);
    });
  });

  describe('a loaded session that does not change', () => {
    it('costs one read and no write, and sends no Set-Cookie', async () => {
      const cookie = await started();
      const res = await request(app()).get('/s/read').set('Cookie', cookie).expect(200);
      expect(res.body.data).to.deep.equal({ count: 1 });
      expect(backend.calls.map(call => call.operation)).to.deep.equal(['read']);
      expect(res.headers['set-cookie']).to.equal(undefined);
    });

    it('is not written when a value is replaced by an equal one', async () => {
      const cookie = await started();
      await request(app()).post('/s/set?count=1').set('Cookie', cookie).expect(200);
      expect(backend.count('write')).to.equal(0);
    });

    it('sends no Set-Cookie with the cookie backend either', async () => {
      const server = sessionApp({ backend: new CookieBackend({ secretKey: SECRET }) });
      const cookie = cookieHeader(await request(server).post('/s/increment').expect(200));
      const res = await request(server).get('/s/read').set('Cookie', cookie).expect(200);
      expect(res.body.data).to.deep.equal({ count: 1 });
      expect(res.headers['set-cookie']).to.equal(undefined);
    });
  });

  describe('a new session', () => {
    it('that stays empty gets no write and no cookie', async () => {
      const res = await request(app()).get('/s/read').expect(200);
      expect(backend.count('write')).to.equal(0);
      expect(res.headers['set-cookie']).to.equal(undefined);
    });

    it('with data is written once and gets a cookie', async () => {
      const res = await request(app()).post('/s/increment').expect(200);
      expect(backend.count('write')).to.equal(1);
      expect(backend.calls[0].sessionId).to.equal(undefined);
      expect(sessionCookie(res)?.value).to.be.a('string').with.length.greaterThan(20);
    });
  });

  describe('a changed session', () => {
    it('is written under its id, without a new Set-Cookie on a server-side backend', async () => {
      const cookie = await started();
      const res = await request(app()).post('/s/increment').set('Cookie', cookie).expect(200);
      expect(res.body).to.deep.equal({ count: 2 });
      const writes = backend.calls.filter(call => call.operation === 'write');
      expect(writes).to.have.length(1);
      expect(`session=${writes[0].sessionId}`).to.equal(cookie);
      expect(res.headers['set-cookie']).to.equal(undefined);
    });

    it('counts in-place changes of nested objects', async () => {
      const server = app();
      const first = await request(server).post('/s/push?item=apple').expect(200);
      const cookie = cookieHeader(first);
      backend.calls.length = 0;
      await request(server).post('/s/push?item=pear').set('Cookie', cookie).expect(200);
      expect(backend.count('write')).to.equal(1);
      const res = await request(server).get('/s/read').set('Cookie', cookie).expect(200);
      expect(res.body.data).to.deep.equal({ cart: { items: ['apple', 'pear'] } });
    });

    it('gets a new signed cookie on the cookie backend', async () => {
      const server = sessionApp({ backend: new CookieBackend({ secretKey: SECRET }) });
      const first = await request(server).post('/s/increment').expect(200);
      const second = await request(server).post('/s/increment').set('Cookie', cookieHeader(first)).expect(200);
      expect(second.body).to.deep.equal({ count: 2 });
      expect(sessionCookie(second)?.value).to.not.equal(sessionCookie(first)?.value);
    });
  });

  describe('a session emptied by the handler', () => {
    it('removes its record and clears the cookie', async () => {
      const cookie = await started();
      const res = await request(app()).post('/s/clear').set('Cookie', cookie).expect(200);
      expect(backend.calls.map(call => call.operation)).to.deep.equal(['read', 'remove']);
      expect(isCleared(sessionCookie(res))).to.equal(true);
      const after = await request(app()).get('/s/read').set('Cookie', cookie).expect(200);
      expect(after.body.data).to.deep.equal({});
    });
  });

  describe('requests that fail', () => {
    it('do not commit the changes of a 5xx', async () => {
      const cookie = await started();
      const res = await request(app()).post('/s/fail?status=500').set('Cookie', cookie).expect(500);
      expect(backend.count('write')).to.equal(0);
      expect(res.headers['set-cookie']).to.equal(undefined);
    });

    it('do not commit the changes of a plain thrown Error', async () => {
      const res = await request(app()).post('/s/fail?plain').expect(500);
      expect(backend.count('write')).to.equal(0);
      expect(res.headers['set-cookie']).to.equal(undefined);
    });

    it('commit the changes of a 4xx', async () => {
      const res = await request(app()).post('/s/fail?status=401').expect(401);
      expect(backend.count('write')).to.equal(1);
      const after = await request(app()).get('/s/read').set('Cookie', cookieHeader(res)).expect(200);
      expect(after.body.data).to.deep.equal({ failed: true });
    });

    it('commit the changes of a 5xx with commitOnServerError', async () => {
      const res = await request(app({ commitOnServerError: true }))
        .post('/s/fail?status=503')
        .expect(503);
      expect(backend.count('write')).to.equal(1);
      expect(sessionCookie(res)).to.not.equal(undefined);
    });
  });

  describe('a backend that fails', () => {
    it('on write answers 503 without the cookie or the handler body, and reports to onError', async () => {
      backend.failing.add('write');
      const reported: Error[] = [];
      const res = await request(app({ onError: (error: Error) => reported.push(error) }))
        .post('/s/increment')
        .expect(503);
      expect(res.body).to.deep.include({ name: 'SessionBackendError' });
      expect(res.body).to.not.have.property('count');
      expect(res.headers['set-cookie']).to.equal(undefined);
      expect(res.headers['content-type']).to.match(/^application\/json/);
      expect(reported).to.have.length(1);
      expect(reported[0].name).to.equal('SessionBackendError');
    });

    it('on read answers 503 through routing-controllers, with status and httpCode', async () => {
      const cookie = await started();
      backend.failing.add('read');
      const res = await request(app()).get('/s/read').set('Cookie', cookie).expect(503);
      expect(res.body).to.deep.include({
        name: 'SessionBackendError',
        status: 503,
        code: 'BACKEND_FAILURE',
        operation: 'read',
      });
    });

    it('on remove (destroy) answers 503', async () => {
      const cookie = await started();
      backend.failing.add('remove');
      const res = await request(app()).post('/s/destroy').set('Cookie', cookie).expect(503);
      expect(res.body.name).to.equal('SessionBackendError');
    });

    it('never puts the session id or the cause in the error body', async () => {
      const cookie = await started();
      backend.failing.add('write');
      const res = await request(app()).post('/s/increment').set('Cookie', cookie).expect(503);
      expect(res.text).to.not.include(cookie.slice('session='.length));
      expect(res.text).to.not.include('injected');
    });
  });
});
