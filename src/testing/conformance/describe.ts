/**
 * `describeBackendConformance()`: the conformance cases registered as tests with the `describe` / `it` globals that
 * mocha, jest and vitest (with `globals: true`) provide. Read at call time, never imported: no runner is a dependency.
 */
import type { BackendCapabilities } from './capabilities';
import {
  type BackendConformanceHooks,
  type BackendFactory,
  type ConformanceCase,
  backendConformanceCases,
} from './cases';

type TestBody = () => Promise<void>;

/** The test-runner globals this needs; `it.skip` is used for skipped cases where the runner has it. */
interface RunnerGlobals {
  describe: (name: string, body: () => void) => void;
  it: ((name: string, body?: TestBody) => void) & { skip?: (name: string, body: TestBody) => void };
}

/**
 * Registers one test per conformance case of the backend `createBackend` builds, under
 * `describe('<name> backend conformance')`, one nested `describe` per method. Cases that `capabilities` rule out
 * are registered as skipped, with the reason in their title.
 *
 * @throws Error when there is no global `describe` and `it` (node:test, or vitest without globals): run
 * {@link backendConformanceCases} with the runner's own functions instead.
 * @example
 * describeBackendConformance('MyBackend', () => new MyBackend(), { revocable: true });
 */
export function describeBackendConformance(
  name: string,
  createBackend: BackendFactory,
  capabilities: BackendCapabilities,
  hooks?: BackendConformanceHooks,
): void {
  const { describe, it } = runnerGlobals();
  const register = (testCase: ConformanceCase) => {
    if (testCase.skip === undefined) it(testCase.name, () => testCase.run());
    else if (it.skip) it.skip(`${testCase.name} [skipped: ${testCase.skip}]`, () => testCase.run());
    // A title without a body is a pending test in mocha.
    else it(`${testCase.name} [skipped: ${testCase.skip}]`);
  };
  describe(`${name} backend conformance`, () => {
    for (const [group, cases] of byGroup(backendConformanceCases(createBackend, capabilities, hooks))) {
      if (group === undefined) cases.forEach(register);
      else describe(group, () => cases.forEach(register));
    }
  });
}

/** The cases by group, groups in the order they first appear. */
function byGroup(cases: readonly ConformanceCase[]): Map<string | undefined, ConformanceCase[]> {
  const groups = new Map<string | undefined, ConformanceCase[]>();
  for (const testCase of cases) {
    const list = groups.get(testCase.group);
    if (list === undefined) groups.set(testCase.group, [testCase]);
    else list.push(testCase);
  }
  return groups;
}

function runnerGlobals(): RunnerGlobals {
  const globals = globalThis as Partial<RunnerGlobals>;
  if (typeof globals.describe === 'function' && typeof globals.it === 'function') return globals as RunnerGlobals;
  throw new Error(
    'describeBackendConformance() needs the test globals `describe` and `it` (mocha, jest, vitest with globals): ' +
      'under another runner, register the tests of backendConformanceCases() with its own functions',
  );
}
