/** The conformance checks of `acquireLock()` and `releaseLock()`, for backends that lock sessions. */
import { strict as assert } from 'node:assert';
import type { SessionBackend } from '../../backends/backend';
import { type SessionLocking, hasSessionLocking } from '../../backends/session-lock';
import type { ResolvedCapabilities } from './capabilities';
import { type ContractCheck, onlyWhen } from './contract-check';

const NO_LOCKS = 'it does not lock sessions';
/** Long enough that no lock of a check ends by its lease unless the check means it to. */
const LONG_LEASE = 30_000;

function pause(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

function locking(backend: SessionBackend): SessionBackend & SessionLocking {
  assert.ok(hasSessionLocking(backend), 'acquireLock() and releaseLock() are functions');
  return backend;
}

async function held(backend: SessionLocking, id: string): Promise<string> {
  const token = await backend.acquireLock(id, { lease: LONG_LEASE, wait: 0 });
  assert.equal(typeof token, 'string', 'acquireLock() of a free lock resolves with a token');
  return token!;
}

export function lockChecks(capabilities: ResolvedCapabilities): ContractCheck[] {
  const group = 'acquireLock()';
  const checks: ContractCheck[] = [
    {
      group,
      name: 'takes a free lock, and refuses a held one at once when told not to wait',
      async check(backend) {
        const locks = locking(backend);
        const id = backend.generateId();
        await held(locks, id);
        assert.equal(await locks.acquireLock(id, { lease: LONG_LEASE, wait: 0 }), undefined, 'a held lock');
      },
    },
    {
      group,
      name: 'locks each id on its own, whether or not a record is stored under it',
      async check(backend) {
        const locks = locking(backend);
        await held(locks, backend.generateId());
        await held(locks, backend.generateId());
      },
    },
    {
      group,
      name: 'waits for a lock released meanwhile, and gives up when the wait is over',
      async check(backend) {
        const locks = locking(backend);
        const id = backend.generateId();
        const first = await held(locks, id);
        assert.equal(await locks.acquireLock(id, { lease: LONG_LEASE, wait: 50 }), undefined, 'after the wait');
        const waiting = locks.acquireLock(id, { lease: LONG_LEASE, wait: 5000 });
        await pause(30);
        await locks.releaseLock(id, first);
        assert.equal(typeof (await waiting), 'string', 'the waiter gets the released lock');
      },
    },
    {
      group,
      name: 'ends a lock nobody releases when its lease is over',
      async check(backend) {
        const locks = locking(backend);
        const id = backend.generateId();
        assert.equal(typeof (await locks.acquireLock(id, { lease: 100, wait: 0 })), 'string');
        await pause(250);
        await held(locks, id);
      },
    },
    {
      group: 'releaseLock()',
      name: 'releases only the lock its token holds: a stale token leaves the new holder alone',
      async check(backend) {
        const locks = locking(backend);
        const id = backend.generateId();
        const stale = await locks.acquireLock(id, { lease: 100, wait: 0 });
        await pause(250);
        const current = await held(locks, id);
        await locks.releaseLock(id, stale!);
        await locks.releaseLock(id, 'a token nobody holds');
        assert.equal(await locks.acquireLock(id, { lease: LONG_LEASE, wait: 0 }), undefined, 'still held');
        await locks.releaseLock(id, current);
        await held(locks, id);
      },
    },
  ];
  return checks.map(check => onlyWhen(capabilities.locks, NO_LOCKS, check));
}
