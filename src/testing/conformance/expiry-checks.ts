/** The conformance checks of `ctx.ttl`: a record lives `ttl` seconds from its latest write, on `ctx.now`'s clock. */
import { strict as assert } from 'node:assert';
import { assertNoSession, assertSameRecord } from './assertions';
import type { ResolvedCapabilities } from './capabilities';
import { type ContractCheck, onlyWhen } from './contract-check';
import { contextAt, currentSeconds } from './fixtures';

const group = 'ctx.ttl';
const NO_EXPIRY = 'it does not expire records itself';

export function expiryChecks(capabilities: ResolvedCapabilities): ContractCheck[] {
  return [
    onlyWhen(capabilities.honoursTtl, NO_EXPIRY, {
      group,
      name: 'keeps a record until now + ttl, and drops it then',
      async check(backend) {
        const now = currentSeconds();
        const id = await backend.write({ n: 1 }, undefined, contextAt(now, 60));
        assertSameRecord(await backend.read(id, contextAt(now + 59)), { n: 1 }, 'one second before');
        assert.equal(await backend.exists(id, contextAt(now + 59)), true, 'exists() one second before');
        assertNoSession(await backend.read(id, contextAt(now + 60)), 'at now + ttl');
        assert.equal(await backend.exists(id, contextAt(now + 60)), false, 'exists() at now + ttl');
      },
    }),
    onlyWhen(capabilities.honoursTtl, NO_EXPIRY, {
      group,
      name: 'counts the ttl from the latest write',
      async check(backend) {
        const now = currentSeconds();
        const id = await backend.write({ n: 1 }, undefined, contextAt(now, 60));
        const again = await backend.write({ n: 2 }, id, contextAt(now + 50, 60));
        assertSameRecord(await backend.read(again, contextAt(now + 100)), { n: 2 }, 'before the new now + ttl');
        assertNoSession(await backend.read(again, contextAt(now + 110)), 'at the new now + ttl');
      },
    }),
  ];
}
