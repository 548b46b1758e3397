/** The conformance checks of the backend as a whole: its declared revocability and its `generateId()`. */
import { strict as assert } from 'node:assert';
import type { ResolvedCapabilities } from './capabilities';
import type { ContractCheck } from './contract-check';
import { COOKIE_OCTETS, estimatedBits } from './fixtures';

/** Enough ids to catch a short or repeating generator; cheap for any CSPRNG. */
const SAMPLE_SIZE = 10_000;

export function revocabilityChecks(capabilities: ResolvedCapabilities): ContractCheck[] {
  return [
    {
      name: 'declares revocable as its capabilities say',
      check(backend) {
        assert.equal(backend.revocable, capabilities.revocable, 'backend.revocable');
      },
    },
  ];
}

export function idChecks(): ContractCheck[] {
  return [
    {
      group: 'generateId()',
      name: 'returns unique cookie-safe ids of at least 128 bits',
      check(backend) {
        const ids: string[] = [];
        for (let i = 0; i < SAMPLE_SIZE; i++) ids.push(backend.generateId());
        assert.equal(new Set(ids).size, ids.length, 'every id is new');
        for (const id of ids) assert.match(id, COOKIE_OCTETS, 'an id of cookie-octets');
        assert.ok(estimatedBits(ids) >= 128, `the ids carry ${estimatedBits(ids).toFixed(0)} bits, not 128`);
      },
    },
  ];
}
