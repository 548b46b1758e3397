import { expect } from 'chai';
import request from 'supertest';
import { createDemoApp } from '../../demo/app';
import { SECRET } from '../support/app';
import { sessionCookie } from '../support/cookies';
import { RedisBackend } from '../../src';
import { closeClient, deleteKeys, describeWithRedis, keysOf, nodeRedisClient, uniquePrefix } from '../support/redis';

describe('the demo', () => {
  it('serves its page', async () => {
    const res = await request(createDemoApp(SECRET)).get('/').expect(200);
    expect(res.headers['content-type']).to.match(/^text\/html/);
    expect(res.text).to.include('Sessions demo');
  });

  it('logs in, fills a cart, and logs out, all in the cookie', async () => {
    const app = createDemoApp(SECRET);
    let cookie = '';
    const send = async (method: 'get' | 'post' | 'delete', path: string, body?: object) => {
      const res = await request(app)[method](path).set('Cookie', cookie).send(body);
      const sent = sessionCookie(res);
      if (sent) cookie = sent.value ? `session=${sent.value}` : '';
      return res;
    };

    expect((await send('get', '/api/me')).body).to.deep.equal({ user: null, visits: 1 });
    const anonymous = cookie;
    expect((await send('post', '/api/login', { name: 'Ada' })).body).to.deep.equal({ user: 'Ada' });
    expect(cookie).to.not.equal(anonymous);
    expect((await send('post', '/api/cart', { item: 'tea' })).body).to.deep.equal({ items: ['tea'] });
    expect((await send('post', '/api/cart', { item: '' })).status).to.equal(400);
    expect((await send('get', '/api/cart')).body).to.deep.equal({ items: ['tea'] });
    expect((await send('get', '/api/me')).body).to.deep.equal({ user: 'Ada', visits: 2 });
    expect((await send('post', '/api/logout')).body).to.deep.equal({ goodbye: 'Ada' });
    expect(cookie).to.equal('');
    expect((await send('post', '/api/logout')).status).to.equal(400);
  });

  it('refuses to save a cart that breaks its schema', async () => {
    const app = createDemoApp(SECRET);
    let cookie = '';
    for (let i = 0; i < 20; i++) {
      const res = await request(app)
        .post('/api/cart')
        .set('Cookie', cookie)
        .send({ item: `item ${i}` })
        .expect(200);
      cookie = `session=${sessionCookie(res)!.value}`;
    }
    const res = await request(app).post('/api/cart').set('Cookie', cookie).send({ item: 'one too many' }).expect(500);
    expect(res.body.name).to.equal('SessionValidationError');
    expect(res.headers['set-cookie']).to.equal(undefined);
    expect((await request(app).get('/api/cart').set('Cookie', cookie).expect(200)).body.items).to.have.length(20);
  });

  describeWithRedis('on Redis (what `REDIS_URL=... npm start` serves)', () => {
    it('keeps the session in Redis, with only an id in the cookie', async () => {
      const client = await nodeRedisClient();
      const prefix = uniquePrefix('demo');
      try {
        const app = createDemoApp(SECRET, new RedisBackend({ client, prefix }));
        let cookie = '';
        const send = async (method: 'get' | 'post', path: string, body?: object) => {
          const res = await request(app)[method](path).set('Cookie', cookie).send(body).expect(200);
          const sent = sessionCookie(res);
          if (sent) cookie = sent.value ? `session=${sent.value}` : '';
          return res.body;
        };
        expect(await send('post', '/api/login', { name: 'Ada' })).to.deep.equal({ user: 'Ada' });
        expect(await send('post', '/api/cart', { item: 'tea' })).to.deep.equal({ items: ['tea'] });
        expect(await send('get', '/api/me')).to.deep.equal({ user: 'Ada', visits: 1 });
        expect(cookie).to.not.include('Ada');
        expect(await keysOf(prefix, client)).to.have.length(1);
        expect(await send('post', '/api/logout')).to.deep.equal({ goodbye: 'Ada' });
        expect(await keysOf(prefix, client)).to.deep.equal([]);
      } finally {
        await deleteKeys(prefix, client);
        await closeClient(client);
      }
    });
  });
});
