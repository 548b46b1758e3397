/** The conformance checks of `write()`: ids, replacing data, creating only where nothing is stored. */
import { strict as assert } from 'node:assert';
import { assertSameRecord } from './assertions';
import type { ResolvedCapabilities } from './capabilities';
import { type ContractCheck, onlyWhen } from './contract-check';
import {
  COOKIE_OCTETS,
  MIN_ID_CHARS,
  contextAt,
  currentSeconds,
  estimatedBits,
  offerIdFirst,
  sampleRecord,
} from './fixtures';

const group = 'write()';
const DATA_IS_ID = 'the id is the data itself';

export function writeChecks(capabilities: ResolvedCapabilities): ContractCheck[] {
  return [
    {
      group,
      name: 'creates a session when given no id, and returns a cookie-safe id for it',
      async check(backend) {
        const now = currentSeconds();
        const id = await backend.write(sampleRecord(now), undefined, contextAt(now));
        assert.equal(typeof id, 'string', 'write() returns a string');
        assert.match(id, COOKIE_OCTETS, 'the id is made of cookie-octets');
        assert.ok(id.length >= MIN_ID_CHARS, `the id has at least ${MIN_ID_CHARS} characters`);
        assertSameRecord(await backend.read(id, contextAt(now)), sampleRecord(now));
      },
    },
    onlyWhen(capabilities.serverSideIds, DATA_IS_ID, {
      group,
      name: 'returns a different id of at least 128 bits for every session it creates',
      async check(backend) {
        const ids: string[] = [];
        for (let i = 0; i < 256; i++)
          ids.push(await backend.write({ same: true }, undefined, contextAt(currentSeconds())));
        assert.equal(new Set(ids).size, ids.length, 'every id is new');
        assert.ok(estimatedBits(ids) >= 128, `the ids carry ${estimatedBits(ids).toFixed(0)} bits, not 128`);
      },
    }),
    onlyWhen(capabilities.serverSideIds, DATA_IS_ID, {
      group,
      name: 'stores under the id it is given',
      async check(backend) {
        const now = currentSeconds();
        const id = backend.generateId();
        assert.equal(await backend.write(sampleRecord(now), id, contextAt(now)), id);
        assertSameRecord(await backend.read(id, contextAt(now)), sampleRecord(now));
        assert.equal(await backend.exists(id, contextAt(now)), true, 'exists()');
      },
    }),
    {
      group,
      name: 'replaces the data when written again under the id it returned',
      async check(backend) {
        const now = currentSeconds();
        const first = await backend.write({ step: 1, keep: 'no' }, undefined, contextAt(now));
        const second = await backend.write({ step: 2 }, first, contextAt(now));
        assertSameRecord(await backend.read(second, contextAt(now)), { step: 2 });
        if (capabilities.serverSideIds) assert.equal(second, first, 'the id stays');
      },
    },
    onlyWhen(capabilities.createsOnlyIfAbsent, 'it ignores ctx.isNew', {
      group,
      name: 'never creates a new session over a stored record',
      async check(backend) {
        const now = currentSeconds();
        const created = { ...contextAt(now), isNew: true };
        const taken = await backend.write({ owner: 'a' }, undefined, created);
        // A weak generator that offers the taken id first, as a new session's and as regenerate()'s id.
        const restore = offerIdFirst(backend, taken);
        let minted: string;
        try {
          minted = await backend.write({ owner: 'b' }, undefined, created);
        } finally {
          restore();
        }
        const given = await backend.write({ owner: 'c' }, taken, created);
        assert.notEqual(minted, taken, 'a new session under a taken generated id');
        assert.notEqual(given, taken, 'a new session under a taken given id');
        assert.notEqual(given, minted);
        assertSameRecord(await backend.read(taken, contextAt(now)), { owner: 'a' }, 'the stored record');
        assertSameRecord(await backend.read(minted, contextAt(now)), { owner: 'b' });
        assertSameRecord(await backend.read(given, contextAt(now)), { owner: 'c' });
      },
    }),
    {
      group,
      name: 'works when called without a ctx',
      async check(backend) {
        const id = await backend.write({ plain: 'call' });
        assertSameRecord(await backend.read(id), { plain: 'call' });
        assert.equal(await backend.exists(id), true, 'exists()');
      },
    },
  ];
}
