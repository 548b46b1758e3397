/** InMemoryBackend: what it adds to the shared contract (bounded size, expiry by ctx.now, isolation, options). */
import { expect } from 'chai';
import { type BackendContext, InMemoryBackend, SessionError } from '../../src';

const NOW = 1_800_000_000;
const LIFETIME = 3600;

function ctxAt(now: number, ttl = LIFETIME): BackendContext {
  return { now, lifetime: LIFETIME, ttl };
}

describe('InMemoryBackend', () => {
  describe('option: maxEntries', () => {
    it('evicts the least recently written session beyond the bound', async () => {
      const backend = new InMemoryBackend({ maxEntries: 3 });
      const a = await backend.write({ n: 'a' }, undefined, ctxAt(NOW));
      const b = await backend.write({ n: 'b' }, undefined, ctxAt(NOW));
      const c = await backend.write({ n: 'c' }, undefined, ctxAt(NOW));
      await backend.write({ n: 'a2' }, a, ctxAt(NOW)); // a is now the most recently written
      const d = await backend.write({ n: 'd' }, undefined, ctxAt(NOW));

      expect(backend.size).to.equal(3);
      expect(await backend.exists(b, ctxAt(NOW)), 'b, the least recently written').to.equal(false);
      expect(await backend.read(a, ctxAt(NOW))).to.deep.equal({ n: 'a2' });
      expect(await backend.read(c, ctxAt(NOW))).to.deep.equal({ n: 'c' });
      expect(await backend.read(d, ctxAt(NOW))).to.deep.equal({ n: 'd' });
    });

    it('stays within the bound under a flood of ten times as many new sessions', async () => {
      const maxEntries = 50;
      const backend = new InMemoryBackend({ maxEntries });
      const ids: string[] = [];
      for (let i = 0; i < maxEntries * 10; i++) {
        ids.push(await backend.write({ i }, undefined, ctxAt(NOW)));
        expect(backend.size).to.be.at.most(maxEntries);
      }
      expect(backend.size).to.equal(maxEntries);
      const newest = ids.slice(-maxEntries);
      for (const [k, id] of newest.entries()) {
        expect(await backend.read(id, ctxAt(NOW))).to.deep.equal({ i: maxEntries * 9 + k });
      }
      expect(await backend.exists(ids[0], ctxAt(NOW)), 'the oldest').to.equal(false);
    });

    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10' as unknown as number]) {
      it(`throws SessionError INVALID_OPTION for ${String(bad)} (${typeof bad})`, () => {
        let thrown: unknown;
        try {
          new InMemoryBackend({ maxEntries: bad });
        } catch (error) {
          thrown = error;
        }
        expect(thrown).to.be.instanceOf(SessionError);
        expect((thrown as SessionError).code).to.equal('INVALID_OPTION');
        expect((thrown as SessionError).message).to.contain('maxEntries');
      });
    }

    it('needs no options at all', async () => {
      const backend = new InMemoryBackend();
      const id = await backend.write({ ok: true }, undefined, ctxAt(NOW));
      expect(await backend.read(id, ctxAt(NOW))).to.deep.equal({ ok: true });
    });
  });

  describe('expiry', () => {
    it('drops an entry once ctx.now reaches its ttl, and frees its slot', async () => {
      const backend = new InMemoryBackend();
      const id = await backend.write({ n: 1 }, undefined, ctxAt(NOW, 30));
      expect(await backend.read(id, ctxAt(NOW + 29))).to.deep.equal({ n: 1 });
      expect(backend.size).to.equal(1);
      expect(await backend.read(id, ctxAt(NOW + 30))).to.equal(undefined);
      expect(backend.size, 'the expired entry is dropped when met').to.equal(0);
    });

    it('drops an expired entry while writing another, without it being read', async () => {
      const backend = new InMemoryBackend();
      await backend.write({ old: true }, undefined, ctxAt(NOW, 10));
      const fresh = await backend.write({ fresh: true }, undefined, ctxAt(NOW + 60, 10));
      expect(backend.size).to.equal(1);
      expect(await backend.read(fresh, ctxAt(NOW + 60))).to.deep.equal({ fresh: true });
    });

    it('keeps an entry written again alive for its new ttl', async () => {
      const backend = new InMemoryBackend();
      const id = await backend.write({ n: 1 }, undefined, ctxAt(NOW, 30));
      await backend.write({ n: 2 }, id, ctxAt(NOW + 20, 30));
      expect(await backend.read(id, ctxAt(NOW + 45))).to.deep.equal({ n: 2 });
      expect(await backend.exists(id, ctxAt(NOW + 50))).to.equal(false);
    });
  });

  describe('isolation of stored data', () => {
    it('is not affected by later changes to the object given to write()', async () => {
      const backend = new InMemoryBackend();
      const data = { user: { id: 1 }, cart: ['a'] };
      const id = await backend.write(data, undefined, ctxAt(NOW));
      data.user.id = 2;
      data.cart.push('b');
      (data as Record<string, unknown>).added = true;
      expect(await backend.read(id, ctxAt(NOW))).to.deep.equal({ user: { id: 1 }, cart: ['a'] });
    });

    it('is not affected by changes to the object read() returned', async () => {
      const backend = new InMemoryBackend();
      const id = await backend.write({ user: { id: 1 }, cart: ['a'] }, undefined, ctxAt(NOW));
      const first = (await backend.read(id, ctxAt(NOW))) as { user: { id: number }; cart: string[]; added?: boolean };
      first.user.id = 2;
      first.cart.push('b');
      first.added = true;
      expect(await backend.read(id, ctxAt(NOW))).to.deep.equal({ user: { id: 1 }, cart: ['a'] });
    });
  });

  describe('merging writes (ctx.isNew false with ctx.changes)', () => {
    const update = (changed: string[], removed: string[] = []): BackendContext => ({
      ...ctxAt(NOW),
      isNew: false,
      changes: { changed, removed },
    });

    it('sets only the changed keys and deletes the removed ones, keeping keys other requests wrote', async () => {
      const backend = new InMemoryBackend();
      const id = await backend.write({ a: 1, b: 2, c: 3 }, undefined, ctxAt(NOW));
      // Two requests read {a, b, c}; one changes a and deletes c, the other adds d.
      await backend.write({ a: 10, b: 2 }, id, update(['a'], ['c']));
      await backend.write({ a: 1, b: 2, c: 3, d: 4 }, id, update(['d']));
      expect(await backend.read(id, ctxAt(NOW))).to.deep.equal({ a: 10, b: 2, d: 4 });
    });

    it('deletes a changed key whose value has no JSON form, as a whole-record write would drop it', async () => {
      const backend = new InMemoryBackend();
      const id = await backend.write({ a: 1, b: 2 }, undefined, ctxAt(NOW));
      await backend.write({ a: undefined, b: 2 }, id, update(['a']));
      expect(await backend.read(id, ctxAt(NOW))).to.deep.equal({ b: 2 });
    });

    it('replaces a nested object under one key whole: the last writer wins inside it', async () => {
      const backend = new InMemoryBackend();
      const id = await backend.write({ cart: { items: ['x'] } }, undefined, ctxAt(NOW));
      await backend.write({ cart: { items: ['x', 'y'] } }, id, update(['cart']));
      await backend.write({ cart: { items: ['x', 'z'] } }, id, update(['cart']));
      expect(await backend.read(id, ctxAt(NOW))).to.deep.equal({ cart: { items: ['x', 'z'] } });
    });

    it('writes nothing when the record is gone: a logout meanwhile wins', async () => {
      const backend = new InMemoryBackend();
      const id = await backend.write({ a: 1 }, undefined, ctxAt(NOW));
      await backend.remove(id);
      expect(await backend.write({ a: 1, b: 2 }, id, update(['b']))).to.equal(id);
      expect(await backend.exists(id, ctxAt(NOW))).to.equal(false);
    });

    it('creates the record for a new id (isNew true), under another id when that one is stored', async () => {
      const backend = new InMemoryBackend();
      const id = backend.generateId();
      expect(await backend.write({ a: 1 }, id, { ...ctxAt(NOW), isNew: true })).to.equal(id);
      const other = await backend.write({ b: 2 }, id, { ...ctxAt(NOW), isNew: true });
      expect(other).to.not.equal(id);
      expect(await backend.read(id, ctxAt(NOW))).to.deep.equal({ a: 1 });
      expect(await backend.read(other, ctxAt(NOW))).to.deep.equal({ b: 2 });
    });

    it('creates over an expired record (isNew true): it is no longer stored', async () => {
      const backend = new InMemoryBackend();
      const id = backend.generateId();
      await backend.write({ a: 1 }, id, { ...ctxAt(NOW, 10), isNew: true });
      expect(await backend.write({ b: 2 }, id, { ...ctxAt(NOW + 10), isNew: true })).to.equal(id);
    });

    it('replaces the whole record for an update without changes', async () => {
      const backend = new InMemoryBackend();
      const id = await backend.write({ a: 1, b: 2 }, undefined, ctxAt(NOW));
      await backend.write({ c: 3 }, id, { ...ctxAt(NOW), isNew: false });
      expect(await backend.read(id, ctxAt(NOW))).to.deep.equal({ c: 3 });
    });
  });

  describe('touch()', () => {
    it('stores the metadata and extends the record without touching its data', async () => {
      const backend = new InMemoryBackend();
      const id = await backend.write({ a: 1 }, undefined, ctxAt(NOW, 10));
      const metadata = { created: NOW, accessed: NOW + 5, expires: NOW + 105 };
      await backend.touch(id, metadata, ctxAt(NOW + 5, 100));
      expect(await backend.read(id, ctxAt(NOW + 104))).to.deep.equal({ a: 1, __session: metadata });
      expect(await backend.exists(id, ctxAt(NOW + 105))).to.equal(false);
    });

    it('does not bring back a record that is gone', async () => {
      const backend = new InMemoryBackend();
      const id = await backend.write({ a: 1 }, undefined, ctxAt(NOW));
      await backend.remove(id);
      await backend.touch(id, { created: NOW, accessed: NOW, expires: NOW + 10 }, ctxAt(NOW, 10));
      expect(await backend.exists(id, ctxAt(NOW))).to.equal(false);
    });
  });

  describe('clear()', () => {
    it('removes every session', async () => {
      const backend = new InMemoryBackend();
      const id = await backend.write({ n: 1 }, undefined, ctxAt(NOW));
      await backend.write({ n: 2 }, undefined, ctxAt(NOW));
      backend.clear();
      expect(backend.size).to.equal(0);
      expect(await backend.exists(id, ctxAt(NOW))).to.equal(false);
    });
  });
});
