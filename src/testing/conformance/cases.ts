/**
 * The backend conformance suite as plain data: one case per rule of the `SessionBackend` contract, each a function
 * that builds a fresh backend, calls it directly and rejects when the backend breaks the rule. No test runner is
 * assumed; {@link describeBackendConformance} registers the cases with mocha-style globals.
 */
import type { SessionBackend } from '../../backends/backend';
import { type BackendCapabilities, resolveCapabilities } from './capabilities';
import type { ContractCheck } from './contract-check';
import { expiryChecks } from './expiry-checks';
import { idChecks, revocabilityChecks } from './backend-checks';
import { lockChecks } from './lock-checks';
import { readChecks } from './read-checks';
import { existsChecks, removeChecks } from './remove-checks';
import { writeChecks } from './write-checks';

/** Builds the backend under test; called once per case, so that every case starts from an empty store. */
export type BackendFactory = () => SessionBackend | Promise<SessionBackend>;

/** Set-up around each case, for backends that hold connections or files. */
export interface BackendConformanceHooks {
  /** Runs after every case with the backend it used, whether the case passed or not: close clients, drop keys. */
  dispose?: (backend: SessionBackend) => void | Promise<void>;
}

/** One rule of the backend contract, ready to run. */
export interface ConformanceCase {
  /** The method or topic, as `write()`; absent for rules about the backend as a whole. */
  readonly group?: string;
  /** What a conforming backend does, in the present tense. */
  readonly name: string;
  /**
   * Set when the capabilities rule this case out: the reason, for the runner to show as skipped. `run()` would
   * still make the check, and most likely fail.
   */
  readonly skip?: string;
  /** Builds a backend, checks it, disposes of it; rejects with an `AssertionError` when the backend breaks the rule. */
  run(): Promise<void>;
}

/**
 * The conformance cases for the backend that `createBackend` builds, in a stable order. What the backend cannot do
 * by design is declared in `capabilities`; those cases carry `skip` instead of vanishing.
 *
 * @example
 * import { test } from 'node:test';
 * for (const c of backendConformanceCases(() => new MyBackend(), { revocable: true })) {
 *   test(`${c.group ?? ''} ${c.name}`, { skip: c.skip }, () => c.run());
 * }
 */
export function backendConformanceCases(
  createBackend: BackendFactory,
  capabilities: BackendCapabilities,
  hooks: BackendConformanceHooks = {},
): ConformanceCase[] {
  const resolved = resolveCapabilities(capabilities);
  const checks: ContractCheck[] = [
    ...revocabilityChecks(resolved),
    ...writeChecks(resolved),
    ...readChecks(resolved),
    ...removeChecks(resolved),
    ...existsChecks(),
    ...expiryChecks(resolved),
    ...idChecks(),
    ...lockChecks(resolved),
  ];
  return checks.map(({ group, name, skip, check }) => ({
    ...(group === undefined ? {} : { group }),
    name,
    ...(skip === undefined ? {} : { skip }),
    async run() {
      const backend = await createBackend();
      try {
        await check(backend);
      } finally {
        await hooks.dispose?.(backend);
      }
    },
  }));
}
