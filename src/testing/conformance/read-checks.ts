/** The conformance checks of `read()`: what was written comes back, as a copy; unknown and hostile ids find nothing. */
import { strict as assert } from 'node:assert';
import type { SessionRecord } from '../../record';
import { assertNoSession, assertSameRecord } from './assertions';
import type { ResolvedCapabilities } from './capabilities';
import { type ContractCheck, onlyWhen } from './contract-check';
import { MALFORMED_IDS, contextAt, currentSeconds, sampleRecord } from './fixtures';

const group = 'read()';

export function readChecks(capabilities: ResolvedCapabilities): ContractCheck[] {
  return [
    {
      group,
      name: 'returns what was written, deep-equal',
      async check(backend) {
        const now = currentSeconds();
        const sample = sampleRecord(now);
        const id = await backend.write(sampleRecord(now), undefined, contextAt(now));
        const record = await backend.read(id, contextAt(now));
        assertSameRecord(record, sample);
        assertSameRecord(record?.__session, sample.__session, 'the metadata key');
      },
    },
    onlyWhen(capabilities.copiesData, 'it keeps the object it is given', {
      group,
      name: 'returns a copy, not the object that was written',
      async check(backend) {
        const now = currentSeconds();
        const data = sampleRecord(now);
        const id = await backend.write(data, undefined, contextAt(now));
        const first = (await backend.read(id, contextAt(now))) as SessionRecord;
        const second = (await backend.read(id, contextAt(now))) as SessionRecord;
        assertSameRecord(first, sampleRecord(now));
        assert.notEqual(first, data, 'read() returned the object given to write()');
        assert.notEqual(first.user, data.user, 'read() returned a nested object given to write()');
        assert.notEqual(second, first, 'two reads returned the same object');
      },
    }),
    {
      group,
      name: 'finds no session under an id it never issued',
      async check(backend) {
        const now = currentSeconds();
        const id = backend.generateId();
        assertNoSession(await backend.read(id, contextAt(now)));
        assert.equal(await backend.exists(id, contextAt(now)), false, 'exists()');
      },
    },
    {
      group,
      name: 'finds no session under a malformed id, and never throws',
      async check(backend) {
        const now = currentSeconds();
        await backend.write({ other: 'session' }, undefined, contextAt(now));
        for (const id of MALFORMED_IDS) {
          const label = JSON.stringify(id.slice(0, 20));
          assertNoSession(await backend.read(id, contextAt(now)), `read(${label})`);
          assert.equal(await backend.exists(id, contextAt(now)), false, `exists(${label})`);
        }
      },
    },
  ];
}
