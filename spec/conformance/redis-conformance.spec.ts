/**
 * The backend conformance suite and the merge (concurrency) suite for RedisBackend on a real Redis, through both
 * drivers. Redis expires keys on its own clock, not on ctx.now, so `honoursTtl` is false here; spec/backends/redis.spec.ts
 * checks the real TTLs.
 */
import { RedisBackend, type SessionBackend } from '../../src';
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
import { describeMergeConformance } from './merge-conformance';

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

      const factory = (): SessionBackend => new RedisBackend({ client, prefix });
      describeBackendConformance(`RedisBackend (${driver})`, factory, { revocable: true, honoursTtl: false });
      describeMergeConformance(`RedisBackend (${driver})`, factory);
    });
  }
});
