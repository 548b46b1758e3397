import { expect } from 'chai';
import { withDeadline } from '../../src/internal/deadline';

describe('withDeadline', () => {
  const timedOut = () => new Error('timed out');

  it('passes on the value of a call that settles in time', async () => {
    expect(await withDeadline(Promise.resolve(7), 1000, timedOut)).to.equal(7);
  });

  it('passes on the error of a call that fails in time', async () => {
    const error = await withDeadline(Promise.reject(new Error('failed')), 1000, timedOut).catch(
      (caught: Error) => caught,
    );
    expect(error).to.have.property('message', 'failed');
  });

  it('rejects a call that never settles, and ignores its later outcome', async () => {
    let settle!: (value: number) => void;
    const never = new Promise<number>(resolve => (settle = resolve));
    const error = await withDeadline(never, 20, timedOut).catch((caught: Error) => caught);
    expect(error).to.have.property('message', 'timed out');
    settle(1); // too late: nothing happens, nothing throws
  });

  it('keeps the deadlines of calls that overlap apart', async () => {
    const slow = new Promise<string>(() => {});
    const results = await Promise.allSettled([
      withDeadline(slow, 20, timedOut),
      withDeadline(new Promise(resolve => setTimeout(resolve, 5, 'fast')), 1000, timedOut),
    ]);
    expect(results.map(result => result.status)).to.deep.equal(['rejected', 'fulfilled']);
  });
});
