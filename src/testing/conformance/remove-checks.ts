/** The conformance checks of `remove()` and `exists()`. */
import { strict as assert } from 'node:assert';
import { assertNoSession, assertSameRecord } from './assertions';
import type { ResolvedCapabilities } from './capabilities';
import { type ContractCheck, onlyWhen } from './contract-check';
import { contextAt, currentSeconds, sampleRecord } from './fixtures';

const NOT_REVOCABLE = 'it cannot revoke a session';

export function removeChecks(capabilities: ResolvedCapabilities): ContractCheck[] {
  const group = 'remove()';
  return [
    onlyWhen(capabilities.revocable, NOT_REVOCABLE, {
      group,
      name: 'makes the session unreadable',
      async check(backend) {
        const now = currentSeconds();
        const id = await backend.write(sampleRecord(now), undefined, contextAt(now));
        await backend.remove(id, contextAt(now));
        assertNoSession(await backend.read(id, contextAt(now)), 'read() after remove()');
        assert.equal(await backend.exists(id, contextAt(now)), false, 'exists() after remove()');
      },
    }),
    onlyWhen(capabilities.revocable, NOT_REVOCABLE, {
      group,
      name: 'leaves other sessions alone',
      async check(backend) {
        const now = currentSeconds();
        const gone = await backend.write({ n: 1 }, undefined, contextAt(now));
        const kept = await backend.write({ n: 2 }, undefined, contextAt(now));
        await backend.remove(gone, contextAt(now));
        assertSameRecord(await backend.read(kept, contextAt(now)), { n: 2 }, 'the other session');
      },
    }),
    {
      group,
      name: 'succeeds for an id that does not exist, and when called twice',
      async check(backend) {
        const now = currentSeconds();
        await backend.remove(backend.generateId(), contextAt(now));
        const id = await backend.write({ n: 1 }, undefined, contextAt(now));
        await backend.remove(id, contextAt(now));
        await backend.remove(id, contextAt(now));
        if (capabilities.revocable) assert.equal(await backend.exists(id, contextAt(now)), false, 'exists()');
      },
    },
  ];
}

export function existsChecks(): ContractCheck[] {
  return [
    {
      group: 'exists()',
      name: 'is true for a written session and false for an unknown one',
      async check(backend) {
        const now = currentSeconds();
        const id = await backend.write({ n: 1 }, undefined, contextAt(now));
        assert.equal(await backend.exists(id, contextAt(now)), true, 'exists() of a written session');
        assert.equal(await backend.exists(backend.generateId(), contextAt(now)), false, 'exists() of an unknown id');
      },
    },
  ];
}
