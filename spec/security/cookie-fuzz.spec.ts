/** Fuzzes the Cookie header of a live app serving both cookie backends: never an error status, never a crash. */
import { expect } from 'chai';
import fc from 'fast-check';
import { type FuzzTarget, cookieFuzzProperty, startFuzzTarget } from '../support/security/cookie-fuzz';

/** Enough to cover every generator branch many times, and to finish in a few seconds. */
const RUNS = 2500;

describe('security: Cookie header fuzzing', () => {
  let target: FuzzTarget;

  before(async () => {
    target = await startFuzzTarget();
  });

  after(async () => {
    await target?.close();
  });

  it('starts from genuine cookies of both backends, which the app accepts', async () => {
    for (const name of ['session', 'sealed']) {
      const genuine = target.genuine.find(cookie => cookie.name === name)!;
      const path = name === 'session' ? '/fuzz/signed/peek' : '/fuzz/sealed/peek';
      const res = await target.send({ route: ['GET', path], cookie: `${name}=${genuine.value}` });
      expect(res.status).to.equal(200);
      expect(JSON.parse(res.body).count, `${name} carries its count`).to.be.at.least(1);
    }
  });

  it(`answers ${RUNS} random Cookie headers with a 200, never an error status`, async () => {
    const started = Date.now();
    await fc.assert(cookieFuzzProperty(target), { numRuns: RUNS });
    // Part of the contract of this spec: the run must stay well inside the suite's time budget.
    expect(Date.now() - started, 'milliseconds for the run').to.be.below(15_000);
  });
});
