/** What the middleware tells a backend about a write: a new record, or the keys that changed in an existing one. */
import { expect } from 'chai';
import request from 'supertest';
import { InMemoryBackend } from '../../src';
import { FakeClock } from '../support/clock';
import { cookieHeader } from '../support/cookies';
import { FaultyBackend } from '../support/faulty-backend';
import { sessionApp } from '../support/session-controller';

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
    expect(backend.calls.at(-1)).to.deep.include({ operation: 'write', isNew: false, changes: { changed: ['a', 'c'], removed: [] } });
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

  it('create the record under the new id after regenerate() (isNew)', async () => {
    const { backend, app, cookie } = await stored();
    await request(app).post('/s/regenerate').set('Cookie', cookie).expect(200);
    expect(backend.calls.at(-1)).to.deep.include({ operation: 'write', isNew: true, changes: undefined });
  });
});
