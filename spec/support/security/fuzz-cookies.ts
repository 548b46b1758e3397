/**
 * The long Cookie-header fuzz run: `npm run fuzz` (FUZZ_RUNS=n to change the number of runs, FUZZ_SEED=n to replay
 * one). Prints how many requests ran and how many failed, with the first failing inputs, and exits non-zero on any
 * failure, including an exception thrown outside a request.
 */
import 'reflect-metadata';
import { useContainer } from 'routing-controllers';
import { Container } from 'typedi';
import fc from 'fast-check';
import { type FuzzInput, checkRequest, fuzzInputs, startFuzzTarget } from './cookie-fuzz';

useContainer(Container);
// Express's final handler prints every error it is handed unless it runs in the test environment.
process.env.NODE_ENV = 'test';

/** Failing inputs printed in full; the rest are only counted. */
const SHOWN_FAILURES = 5;

async function main(): Promise<number> {
  const runs = Number(process.env.FUZZ_RUNS ?? 100_000);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('FUZZ_RUNS must be a whole number >= 1');
  const seed =
    process.env.FUZZ_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED);

  const failures: Array<{ input: FuzzInput; error: string }> = [];
  let crashes = 0;
  const onCrash = (error: unknown) => {
    crashes++;
    console.error(`uncaught outside a request: ${error instanceof Error ? error.message : String(error)}`);
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  const target = await startFuzzTarget();
  const started = Date.now();
  let done = 0;
  try {
    // Every failure is counted, not only the first: the property records and goes on.
    const property = fc.asyncProperty(fuzzInputs(target), async input => {
      done++;
      try {
        await checkRequest(target, input);
      } catch (error) {
        failures.push({ input, error: error instanceof Error ? error.message : String(error) });
      }
      if (done % 10_000 === 0) console.log(`  ${done} runs, ${failures.length} failures`);
    });
    await fc.assert(property, { numRuns: runs, seed });
  } finally {
    await target.close();
  }

  const seconds = (Date.now() - started) / 1000;
  console.log(`fuzz-cookies: ${done} runs in ${seconds.toFixed(1)} s (${Math.round(done / seconds)}/s), seed ${seed}`);
  console.log(`fuzz-cookies: ${failures.length} failures, ${crashes} uncaught errors`);
  for (const { input, error } of failures.slice(0, SHOWN_FAILURES)) {
    console.log(`  ${input.route.join(' ')} Cookie: ${JSON.stringify(input.cookie.slice(0, 300))}\n    -> ${error}`);
  }
  return failures.length + crashes === 0 ? 0 : 1;
}

main().then(
  code => process.exit(code),
  error => {
    console.error(error);
    process.exit(2);
  },
);
