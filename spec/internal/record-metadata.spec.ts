/** `readRecordMetadata()`: what counts as the library's metadata in a stored record, and what is refused. */
import { expect } from 'chai';
import { readRecordMetadata } from '../../src/record';

describe('readRecordMetadata', () => {
  const base = { created: 100, accessed: 150, expires: 200 };

  it('reads the fields of every version: lifetime, renewal time and a successor', () => {
    expect(readRecordMetadata({ ...base, lifetime: 0, renewed: 120, successor: 'sealed' })).to.deep.equal({
      ...base,
      lifetime: 0,
      renewed: 120,
      successor: 'sealed',
    });
    // Records from before idle timeouts have no `accessed`.
    expect(readRecordMetadata({ created: 100, expires: 200 })).to.deep.equal({
      created: 100,
      accessed: 100,
      expires: 200,
    });
  });

  for (const [what, value] of [
    ['a class instance', Object.assign(new (class Meta {})(), base)],
    ['a fractional expiry', { ...base, expires: 200.5 }],
    ['a negative lifetime', { ...base, lifetime: -1 }],
    ['a lifetime as text', { ...base, lifetime: '60' }],
    ['a fractional renewal time', { ...base, renewed: 1.5 }],
    ['a successor that is not text', { ...base, successor: 42 }],
  ] as const) {
    it(`refuses ${what}`, () => {
      expect(readRecordMetadata(value)).to.equal(undefined);
    });
  }
});
