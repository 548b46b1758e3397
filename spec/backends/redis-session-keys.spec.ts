/** RedisBackend's key names: the lock key shares the session key's cluster slot whatever the prefix. */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { SessionKeys } from '../../src/backends/redis/session-keys';

const handle = createHash('sha256').update('an-id').digest('base64url');

describe('RedisBackend key names', () => {
  it('tags the lock key with the whole session key when the prefix has no braces', () => {
    const keys = new SessionKeys('app:session:');
    expect(keys.session('an-id')).to.equal(`app:session:${handle}`);
    expect(keys.lock('an-id')).to.equal(`app:session:lock:{app:session:${handle}}`);
  });

  it('leaves the tag to a prefix that has one: both keys are placed by it', () => {
    const keys = new SessionKeys('{app}:session:');
    expect(keys.lock('an-id')).to.equal(`{app}:session:lock:${handle}`);
  });
});
