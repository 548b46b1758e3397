/**
 * RedisBackend on a real Redis Cluster: three masters started from the installed redis-server on free loopback
 * ports, joined with `redis-cli --cluster create`, used through the cluster clients of both drivers (node-redis
 * `createCluster`, ioredis `Cluster`), and stopped with their temporary directory at the end. Every command and
 * script of the backend touches one key, so sessions on different nodes and a user index on a third all work.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { RedisBackend, type RedisBackendOptions, type SessionBackend } from '../../src';
import { describeBackendConformance } from '../conformance/backend-conformance';
import { describeLockConformance } from '../conformance/lock-conformance';
import { describeMergeConformance } from '../conformance/merge-conformance';
import { describeUserSessionsConformance } from '../conformance/user-sessions-conformance';
import { SECRET } from '../support/app';
import {
  type AnyRedisClient,
  DRIVERS,
  closeClient,
  describeWhen,
  keysPerNode,
  rawCommand,
  redisClusterClient,
  uniquePrefix,
} from '../support/redis';
import { RedisCluster, redisServerMissing } from '../support/redis-server';

describeWhen(redisServerMissing(), 'RedisBackend on a Redis Cluster', () => {
  let cluster: RedisCluster;

  before(async function () {
    this.timeout(60_000);
    cluster = await RedisCluster.start();
  });

  after(async () => {
    await cluster?.stop();
  });

  for (const driver of DRIVERS) {
    describe(`with the ${driver} cluster client`, () => {
      let client: AnyRedisClient;
      const prefix = uniquePrefix(`cluster-${driver}`);

      before(async () => {
        client = await redisClusterClient(driver, cluster.ports);
      });

      after(async () => {
        if (client !== undefined) await closeClient(client);
      });

      const factory = (): SessionBackend => new RedisBackend({ client, prefix, userKey: 'userId' });

      it('is detected as a cluster client', () => {
        expect(new RedisBackend({ client }).clientKind).to.equal(`${driver}-cluster`);
      });

      describeBackendConformance(`RedisBackend (${driver} cluster)`, factory, {
        revocable: true,
        honoursTtl: false,
        locks: true,
      });
      describeMergeConformance(`RedisBackend (${driver} cluster)`, factory);
      describeLockConformance(`RedisBackend (${driver} cluster)`, factory);

      it('keeps a session’s lock in the slot of the session’s key', async () => {
        const backend = new RedisBackend({ client, prefix: `${prefix}slots:` });
        const id = 'a-session-id';
        const handle = createHash('sha256').update(id).digest('base64url');
        const sessionKey = `${prefix}slots:${handle}`;
        const lockKey = `${prefix}slots:lock:{${sessionKey}}`;
        const token = await backend.acquireLock(id, { lease: 5000, wait: 0 });
        expect(await rawCommand(client, lockKey, ['EXISTS', lockKey])).to.equal(1);
        const slotOf = (key: string) => rawCommand(client, key, ['CLUSTER', 'KEYSLOT', key]);
        expect(await slotOf(lockKey)).to.equal(await slotOf(sessionKey));
        await backend.releaseLock(id, token!);
        expect(await rawCommand(client, lockKey, ['EXISTS', lockKey])).to.equal(0);
      });
      let backends = 0;
      for (const [variant, sealing] of [
        ['', {}],
        [', encryptAtRest', { encryptAtRest: { secretKey: SECRET } }],
      ] as const) {
        // A prefix of its own for every backend, so each starts empty.
        const make = (options: Partial<RedisBackendOptions>) =>
          new RedisBackend({ client, prefix: `${prefix}${++backends}:`, ...sealing, ...options });
        describeUserSessionsConformance(`RedisBackend (${driver} cluster${variant})`, make);
      }

      it('keeps sessions on every master and logs a user out of all of them', async () => {
        const backend = new RedisBackend({ client, prefix: `${prefix}spread:`, userKey: 'userId' });
        const ctx = { now: Math.floor(Date.now() / 1000), lifetime: 600, ttl: 600 };
        const ids: string[] = [];
        for (let i = 0; i < 30; i++) ids.push(await backend.write({ userId: 'ada', n: i }, undefined, ctx));
        const perNode = await keysPerNode(`${prefix}spread:`, client);
        expect(
          perNode.map(keys => keys.length),
          'sessions per master',
        )
          .to.have.length(3)
          .and.not.include(0);
        expect((await backend.listUserSessions('ada')).length).to.equal(30);
        expect(await backend.destroyUserSessions('ada')).to.equal(30);
        for (const id of ids) expect(await backend.exists(id)).to.equal(false);
      });
    });
  }
});
