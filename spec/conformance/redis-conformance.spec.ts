/**
 * The backend conformance suite, the merge (concurrency) and lock suites for RedisBackend on a real Redis, through both
 * drivers, in the clear and with encryptAtRest. Redis expires keys on its own clock, not on ctx.now, so `honoursTtl` is false here; spec/backends/redis.spec.ts
 * checks the real TTLs.
 */
import { RedisBackend, type RedisBackendOptions, type SessionBackend } from '../../src';
import {
  type AnyRedisClient,
  DRIVERS,
  closeClient,
  deleteKeys,
  describeWithRedis,
  redisClient,
  uniquePrefix,
} from '../support/redis';
import { describeBackendConformance } from './backend-conformance';
import { describeLockConformance } from './lock-conformance';
import { describeMergeConformance } from './merge-conformance';
import { describeUserSessionsConformance } from './user-sessions-conformance';
import { SECRET } from '../support/app';

describeWithRedis('RedisBackend on a real Redis', () => {
  for (const driver of DRIVERS) {
    describe(`with ${driver}`, () => {
      let client: AnyRedisClient;
      const prefix = uniquePrefix(`conformance-${driver}`);

      before(async () => {
        client = await redisClient(driver);
      });

      after(async () => {
        await deleteKeys(prefix, client);
        await closeClient(client);
      });

      let backends = 0;
      // A prefix of its own for every backend (under the one cleaned up), so each starts empty.
      const make = (options: Partial<RedisBackendOptions> = {}): SessionBackend =>
        new RedisBackend({ client, prefix: `${prefix}${++backends}:`, ...options });
      for (const [variant, sealing] of [
        ['', {}],
        [', encryptAtRest', { encryptAtRest: { secretKey: SECRET } }],
      ] as const) {
        const name = `RedisBackend (${driver}${variant})`;
        describeBackendConformance(name, () => make(sealing), { revocable: true, honoursTtl: false, locks: true });
        describeMergeConformance(name, () => make(sealing));
        describeUserSessionsConformance(name, options => make({ ...sealing, ...options }));
      }
      describeLockConformance(`RedisBackend (${driver})`, () => make());
    });
  }
});
