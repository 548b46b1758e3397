/**
 * The conformance suite the package ships, as a backend author runs it: it passes a small correct backend, and it
 * fails backends that break the contract, so it is shown able to fail.
 */
import { expect } from 'chai';
import { AssertionError } from 'node:assert';
import {
  type BackendContext,
  SessionBackend,
  type SessionLockRequest,
  type SessionRecord,
  createUnderFreeId,
  newLockToken,
  pollForLock,
} from '../../src';
import {
  type BackendCapabilities,
  type ConformanceCase,
  backendConformanceCases,
  describeBackendConformance,
} from '../../src/testing';

/** Unix seconds: the middleware's clock when it passes a ctx, the wall clock otherwise. */
function nowOf(ctx: BackendContext | undefined): number {
  return ctx?.now ?? Math.floor(Date.now() / 1000);
}

/** A backend as a user would write one over a `Map`: copies data, expires on `ctx.now`, creates only if absent. */
class UserMapBackend extends SessionBackend {
  private readonly records = new Map<string, { json: string; expires: number }>();
  async read(id: string, ctx?: BackendContext): Promise<SessionRecord | undefined> {
    const entry = this.records.get(id);
    if (entry === undefined || entry.expires <= nowOf(ctx)) return undefined;
    return JSON.parse(entry.json) as SessionRecord;
  }

  async write(data: SessionRecord, id?: string, ctx?: BackendContext): Promise<string> {
    const expires = nowOf(ctx) + (ctx?.ttl ?? 3600);
    const store = (key: string) => void this.records.set(key, { json: JSON.stringify(data), expires });
    if (ctx?.isNew !== true) {
      const key = id ?? this.generateId();
      store(key);
      return key;
    }
    return createUnderFreeId(this, id, async key => {
      if ((await this.read(key, ctx)) !== undefined) return false;
      store(key);
      return true;
    });
  }

  async remove(id: string): Promise<void> {
    this.records.delete(id);
  }

  /** Locks as a store that can only try does it: one attempt at a time, polled. */
  private readonly locks = new Map<string, { token: string; until: number }>();

  acquireLock(id: string, request: SessionLockRequest): Promise<string | undefined> {
    return pollForLock(async () => {
      const now = Date.now();
      if ((this.locks.get(id)?.until ?? 0) > now) return undefined;
      const token = newLockToken();
      this.locks.set(id, { token, until: now + request.lease });
      return token;
    }, request.wait);
  }

  async releaseLock(id: string, token: string): Promise<void> {
    if (this.locks.get(id)?.token === token) this.locks.delete(id);
  }
}

/** Never lets a lock go: releaseLock() does nothing, leases never end. */
class StuckLockBackend extends UserMapBackend {
  override async releaseLock(): Promise<void> {}
}

/** Hands out the very object it was given. */
class SharingBackend extends UserMapBackend {
  private readonly objects = new Map<string, SessionRecord>();

  override async read(id: string, ctx?: BackendContext): Promise<SessionRecord | undefined> {
    return (await super.read(id, ctx)) === undefined ? undefined : this.objects.get(id);
  }

  override async write(data: SessionRecord, id?: string, ctx?: BackendContext): Promise<string> {
    const key = await super.write(data, id, ctx);
    this.objects.set(key, data);
    return key;
  }
}

/** Keeps sessions after remove(). */
class UnforgettingBackend extends UserMapBackend {
  override async remove(): Promise<void> {}
}

/** Gives ids of 64 bits. */
class ShortIdBackend extends UserMapBackend {
  override generateId(): string {
    return Math.random().toString(36).slice(2, 14).padEnd(12, '0');
  }
}

const CAPABLE: BackendCapabilities = { revocable: true, locks: true };

/** The names of the cases that reject, each run on a fresh backend. */
async function failingCases(cases: readonly ConformanceCase[]): Promise<string[]> {
  const failing: string[] = [];
  for (const testCase of cases) {
    if (testCase.skip !== undefined) continue;
    try {
      await testCase.run();
    } catch (error) {
      expect(error, testCase.name).to.be.instanceOf(AssertionError);
      failing.push(`${testCase.group ?? ''} ${testCase.name}`.trim());
    }
  }
  return failing;
}

describe('the shipped backend conformance suite', () => {
  // What a backend author writes in their own spec file.
  describeBackendConformance('a user-written Map backend', () => new UserMapBackend(), CAPABLE);

  describe('backendConformanceCases()', () => {
    it('passes the user-written backend on every case, none skipped', async () => {
      const cases = backendConformanceCases(() => new UserMapBackend(), CAPABLE);
      expect(cases.filter(testCase => testCase.skip !== undefined)).to.deep.equal([]);
      expect(cases).to.have.length(23);
      expect(await failingCases(cases)).to.deep.equal([]);
    });

    it('fails a backend whose read() hands out the object it was given', async () => {
      const failing = await failingCases(backendConformanceCases(() => new SharingBackend(), CAPABLE));
      expect(failing).to.deep.equal(['read() returns a copy, not the object that was written']);
    });

    it('fails a backend whose releaseLock() keeps the lock', async () => {
      const failing = await failingCases(backendConformanceCases(() => new StuckLockBackend(), CAPABLE));
      expect(failing).to.deep.equal([
        'acquireLock() waits for a lock released meanwhile, and gives up when the wait is over',
        'releaseLock() releases only the lock its token holds: a stale token leaves the new holder alone',
      ]);
    });

    it('fails a backend whose remove() keeps the session', async () => {
      const failing = await failingCases(backendConformanceCases(() => new UnforgettingBackend(), CAPABLE));
      expect(failing).to.deep.equal([
        'remove() makes the session unreadable',
        'remove() succeeds for an id that does not exist, and when called twice',
      ]);
    });

    it('fails a backend whose ids are too short to be unguessable', async () => {
      const failing = await failingCases(backendConformanceCases(() => new ShortIdBackend(), CAPABLE));
      expect(failing).to.include('generateId() returns unique cookie-safe ids of at least 128 bits');
    });

    it('fails a backend that declares a capability it lacks', async () => {
      const failing = await failingCases(backendConformanceCases(() => new UserMapBackend(), { revocable: false }));
      expect(failing).to.deep.equal(['declares revocable as its capabilities say']);
    });

    it('skips, with the reason, what the capabilities rule out, and would fail it if run', async () => {
      const capabilities = { revocable: true, copiesData: false, locks: true };
      const cases = backendConformanceCases(() => new SharingBackend(), capabilities);
      const skipped = cases.filter(testCase => testCase.skip !== undefined);
      expect(skipped.map(testCase => [testCase.name, testCase.skip])).to.deep.equal([
        ['returns a copy, not the object that was written', 'it keeps the object it is given'],
      ]);
      let failure: unknown;
      await skipped[0].run().catch((error: unknown) => (failure = error));
      expect(failure).to.be.instanceOf(AssertionError);
      expect(await failingCases(cases)).to.deep.equal([]);
    });

    it('disposes of every backend it builds, also after a failure', async () => {
      const built: UserMapBackend[] = [];
      const disposed: SessionBackend[] = [];
      const cases = backendConformanceCases(
        () => {
          const backend = new UnforgettingBackend();
          built.push(backend);
          return backend;
        },
        CAPABLE,
        { dispose: backend => void disposed.push(backend) },
      );
      await failingCases(cases);
      expect(built).to.have.length(cases.length);
      expect(disposed).to.deep.equal(built);
    });
  });

  describe('describeBackendConformance()', () => {
    it('registers one test per case under a describe per method, ruled-out ones skipped with the reason', () => {
      const globals = globalThis as Record<'describe' | 'it', unknown>;
      const saved = { describe: globals.describe, it: globals.it };
      const titles: string[] = [];
      const path: string[] = [];
      const record = (kind: string) => (name: string) => void titles.push(`${kind} ${[...path, name].join(' > ')}`);
      globals.describe = (name: string, body: () => void) => {
        path.push(name);
        body();
        path.pop();
      };
      globals.it = Object.assign(record('it'), { skip: record('skip') });
      try {
        describeBackendConformance('Cookies', () => new UserMapBackend(), { revocable: false });
      } finally {
        Object.assign(globals, saved);
      }
      expect(titles).to.have.length(23);
      expect(titles[0]).to.equal('it Cookies backend conformance > declares revocable as its capabilities say');
      expect(titles).to.include(
        'skip Cookies backend conformance > remove() > makes the session unreadable ' +
          '[skipped: it cannot revoke a session]',
      );
      expect(titles.filter(title => title.startsWith('skip'))).to.have.length(10);
      expect(titles).to.include(
        'skip Cookies backend conformance > acquireLock() > takes a free lock, and refuses a held one at once when ' +
          'told not to wait [skipped: it does not lock sessions]',
      );
    });

    it('explains what to do where there are no test globals', () => {
      const globals = globalThis as { describe?: unknown };
      const saved = globals.describe;
      globals.describe = undefined;
      try {
        expect(() => describeBackendConformance('x', () => new UserMapBackend(), CAPABLE)).to.throw(
          /needs the test globals `describe` and `it`.*backendConformanceCases\(\)/,
        );
      } finally {
        globals.describe = saved;
      }
    });
  });
});
