/** What the middleware tells a backend about a write: a new record, or the keys that changed in an existing one. */
import { expect } from 'chai';
import request from 'supertest';
import { IsInt, IsOptional } from 'class-validator';
import { InMemoryBackend } from '../../src';
import { FakeClock } from '../support/clock';
import { cookieHeader } from '../support/cookies';
import { FaultyBackend } from '../support/faulty-backend';
import { sessionApp } from '../support/session-controller';

class CountOnly {
  @IsOptional()
  @IsInt()
  count?: number;
}

async function stored(options: { rolling?: boolean } = {}) {
  const clock = new FakeClock();
  const backend = new FaultyBackend(new InMemoryBackend());
  const app = sessionApp({ backend, clock: clock.now, lifetime: 3600, touchAfter: 0, ...options });
  const cookie = cookieHeader(await request(app).post('/s/set?a=1&b={"n":1}').expect(200));
  return { backend, app, cookie, clock };
}

describe('writes: ctx.isNew and ctx.changes', () => {
  it('create a new session whole (isNew, no changes)', async () => {
    const { backend } = await stored();
    expect(backend.calls.at(-1)).to.deep.include({ operation: 'write', isNew: true, changes: undefined });
  });

  it('name only the keys a request set', async () => {
    const { backend, app, cookie } = await stored();
    await request(app).post('/s/set?a=2&c=3').set('Cookie', cookie).expect(200);
    expect(backend.calls.at(-1)).to.deep.include({
      operation: 'write',
      isNew: false,
      changes: { changed: ['a', 'c'], removed: [] },
    });
  });

  it('name a nested object changed in place, and keys deleted', async () => {
    const { backend, app, cookie } = await stored();
    await request(app).post('/s/push?item=x').set('Cookie', cookie).expect(200);
    expect(backend.calls.at(-1)!.changes).to.deep.equal({ changed: ['cart'], removed: [] });
    await request(app).post('/s/set?a=1').set('Cookie', cookie).expect(200);
    expect(backend.count('write'), 'an equal value is no change').to.equal(2);
  });

  it('include the metadata key when a rolling session moves its expiry', async () => {
    const { backend, app, cookie, clock } = await stored({ rolling: true });
    clock.advance(10);
    await request(app).post('/s/set?a=5').set('Cookie', cookie).expect(200);
    expect(backend.calls.at(-1)!.changes).to.deep.equal({ changed: ['a', '__session'], removed: [] });
  });

  it('name removed keys', async () => {
    const { backend, app, cookie } = await stored();
    await request(app).post('/s/set?b=null').set('Cookie', cookie).expect(200);
    await request(app).post('/s/unset?key=a').set('Cookie', cookie).expect(200);
    expect(backend.calls.at(-1)!.changes).to.deep.equal({ changed: [], removed: ['a'] });
  });

  it('name removed keys that share a name with Object.prototype members, and the store loses them', async () => {
    const { backend, app, cookie } = await stored();
    await request(app).post('/s/set?toString=1&constructor=2').set('Cookie', cookie).expect(200);
    await request(app).post('/s/unset?key=toString').set('Cookie', cookie).expect(200);
    expect(backend.calls.at(-1)!.changes).to.deep.equal({ changed: [], removed: ['toString'] });
    await request(app).post('/s/unset?key=constructor').set('Cookie', cookie).expect(200);
    const res = await request(app).get('/s/read').set('Cookie', cookie).expect(200);
    expect(res.body.data).to.deep.equal({ a: 1, b: { n: 1 } });
  });

  it('replace the record whole once when the schema dropped stored keys, so merging stores drop them too', async () => {
    const backend = new FaultyBackend(new InMemoryBackend());
    const id = await backend.inner.write({ count: 1, stale: 'x' });
    const app = sessionApp({ backend, schema: CountOnly, validation: { validator: { whitelist: true } } });
    await request(app).get('/s/read').set('Cookie', `session=${id}`).expect(200);
    expect(backend.calls.at(-1)).to.deep.include({ operation: 'write', isNew: false, changes: undefined });
    expect(await backend.inner.read(id)).to.not.have.property('stale');
    await request(app).get('/s/read').set('Cookie', `session=${id}`).expect(200);
    expect(backend.count('write'), 'once').to.equal(1);
  });

  it('create the record under the new id after regenerate() (isNew)', async () => {
    const { backend, app, cookie } = await stored();
    await request(app).post('/s/regenerate').set('Cookie', cookie).expect(200);
    expect(backend.calls.at(-1)).to.deep.include({ operation: 'write', isNew: true, changes: undefined });
  });
});
