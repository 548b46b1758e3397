import { expect } from 'chai';
import request from 'supertest';
import { InMemoryBackend } from '../../src';
import { cookieHeader, isCleared, sessionCookie } from '../support/cookies';
import { FaultyBackend } from '../support/faulty-backend';
import { sessionApp } from '../support/session-controller';

const COOKIE_OCTETS = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+$/;

describe('session ids, regenerate() and destroy()', () => {
  let backend: FaultyBackend;
  let memory: InMemoryBackend;
  beforeEach(() => {
    memory = new InMemoryBackend();
    backend = new FaultyBackend(memory);
  });
  const app = () => sessionApp({ backend });

  async function started() {
    const res = await request(app()).post('/s/increment').expect(200);
    backend.calls.length = 0;
    return { cookie: cookieHeader(res), id: sessionCookie(res)!.value };
  }

  describe('ids', () => {
    it('carry at least 128 random bits in cookie-safe characters, and never repeat', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const res = await request(app()).post('/s/increment').expect(200);
        const id = sessionCookie(res)!.value;
        expect(id).to.match(COOKIE_OCTETS);
        expect(Buffer.from(id, 'base64url').length * 8).to.be.at.least(128);
        ids.add(id);
      }
      expect(ids.size).to.equal(20);
    });

    it('that the backend does not know are never adopted: a fresh id is issued', async () => {
      const planted = 'attacker-chosen-id-0123456789abcdef';
      const res = await request(app()).post('/s/increment').set('Cookie', `session=${planted}`).expect(200);
      const id = sessionCookie(res)!.value;
      expect(id).to.not.equal(planted);
      expect(backend.calls.find(call => call.operation === 'write')?.sessionId).to.equal(undefined);
      expect(await memory.exists(planted)).to.equal(false);
    });

    for (const [label, value] of [
      ['with a space', 'abc def'],
      ['with a backslash', 'abc\\def'],
      ['with a comma', 'abc,def'],
      ['over 4096 characters', 'a'.repeat(4097)],
      ['empty', ''],
    ]) {
      it(`are never passed to the backend when malformed (${label})`, async () => {
        await request(app()).get('/s/read').set('Cookie', `session=${value}`).expect(200);
        expect(backend.count('read')).to.equal(0);
      });
    }

    it('come from the first session cookie when the header carries two', async () => {
      const { cookie } = await started();
      const res = await request(app()).get('/s/read').set('Cookie', `${cookie}; session=other`).expect(200);
      expect(res.body.data).to.deep.equal({ count: 1 });
      expect(backend.calls.map(call => call.sessionId)).to.deep.equal([cookie.slice('session='.length)]);
    });

    it('are not read from lookalike cookie names', async () => {
      const { id } = await started();
      await request(app())
        .get('/s/read')
        .set('Cookie', `xsession=${id}; session_old=${id}; Session=${id}; SESSION=${id}; session.x=${id}`)
        .expect(200);
      expect(backend.count('read')).to.equal(0);
    });

    it('are exposed as req.session.id once loaded', async () => {
      const { cookie, id } = await started();
      const res = await request(app()).get('/s/read').set('Cookie', cookie).expect(200);
      expect(res.body.id).to.equal(id);
    });
  });

  describe('regenerate()', () => {
    it('moves the data to a new id, removes the old record and sends the new cookie', async () => {
      const { cookie, id } = await started();
      const res = await request(app()).post('/s/regenerate').set('Cookie', cookie).expect(200);
      const newId = sessionCookie(res)!.value;
      expect(res.body).to.deep.equal({ before: id, after: newId });
      expect(newId).to.not.equal(id);
      expect(await memory.exists(id)).to.equal(false);
      const after = await request(app()).get('/s/read').set('Cookie', cookieHeader(res)).expect(200);
      expect(after.body.data).to.deep.equal({ count: 1 });
      const old = await request(app()).get('/s/read').set('Cookie', cookie).expect(200);
      expect(old.body.data).to.deep.equal({});
    });

    it('twice in one request leaves only the final id', async () => {
      const { cookie, id } = await started();
      const res = await request(app()).post('/s/regenerate?times=2').set('Cookie', cookie).expect(200);
      const finalId = sessionCookie(res)!.value;
      expect(res.body.after).to.equal(finalId);
      expect(memory.size).to.equal(1);
      expect(await memory.exists(finalId)).to.equal(true);
      expect(await memory.exists(id)).to.equal(false);
    });

    it('then destroy() leaves nothing and clears the cookie', async () => {
      const { cookie } = await started();
      const res = await request(app()).post('/s/regenerate?then=destroy').set('Cookie', cookie).expect(200);
      expect(memory.size).to.equal(0);
      expect(isCleared(sessionCookie(res))).to.equal(true);
    });
  });

  describe('destroy()', () => {
    it('removes the record and clears the cookie', async () => {
      const { cookie, id } = await started();
      const res = await request(app()).post('/s/destroy').set('Cookie', cookie).expect(200);
      expect(res.body).to.deep.equal({ id: null });
      expect(await memory.exists(id)).to.equal(false);
      expect(isCleared(sessionCookie(res))).to.equal(true);
    });

    it('clears no cookie when the request carried none', async () => {
      const res = await request(app()).post('/s/destroy').expect(200);
      expect(res.headers['set-cookie']).to.equal(undefined);
      expect(backend.count('remove')).to.equal(0);
    });

    it('then writing data yields a new id, never the old one', async () => {
      const { cookie, id } = await started();
      const res = await request(app()).post('/s/destroy-then-write').set('Cookie', cookie).expect(200);
      const newId = sessionCookie(res)!.value;
      expect(newId).to.not.equal(id);
      expect(await memory.exists(id)).to.equal(false);
      expect(await memory.read(newId)).to.deep.include({ count: 1 });
    });

    it('loads the session first when it was not loaded', async () => {
      const { cookie } = await started();
      await request(app()).post('/s/destroy').set('Cookie', cookie).expect(200);
      expect(backend.calls.map(call => call.operation)).to.deep.equal(['read', 'remove']);
    });
  });
});
