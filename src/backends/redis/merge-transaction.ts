/**
 * How RedisBackend merges a request's changes into a session hash: one MULTI/EXEC of plain commands, not a script,
 * because a script call costs redis-server several times the commands it runs (docs/performance.md#redis-time).
 *
 * "Only if the session still exists" needs no condition: a live session always has a TTL, so a hash without one is
 * what HSET has just made of a session destroyed meanwhile, and `EXPIRE key 0 NX` (which acts only on a key without
 * a TTL) deletes it again within the transaction. So a logout wins over a slower request, and no client ever sees
 * the recreated fields. `EXPIRE`'s NX needs Redis 7.0; an older server refuses the whole transaction.
 */
import type { FieldChanges } from '../../serializers/record-fields';

/** The commands of one merge, and how to read their replies. */
export interface MergeTransaction {
  readonly commands: string[][];
  /** Whether the session was still there, and its user field before and after (when `userField` was given). */
  outcome(replies: unknown[]): { written: boolean; userBefore: unknown; userAfter: unknown };
}

/**
 * Sets and deletes the fields of `changes` in the hash `key` and gives it `ttl` seconds (leaves its expiry when
 * undefined), if it still exists; reads `userField` around the change unless it is ''.
 */
export function mergeTransaction(
  key: string,
  { set, removed }: FieldChanges,
  ttl: number | undefined,
  userField: string,
) {
  const commands: string[][] = [];
  const readUser = () => (userField === '' ? -1 : commands.push(['HGET', key, userField]) - 1);
  const before = readUser();
  if (set.length > 0) commands.push(['HSET', key, ...set]);
  if (removed.length > 0) commands.push(['HDEL', key, ...removed]);
  const recreated = commands.push(['EXPIRE', key, '0', 'NX']) - 1;
  if (ttl !== undefined) commands.push(['EXPIRE', key, String(Math.ceil(ttl))]);
  const after = readUser();
  return {
    commands,
    outcome: (replies: unknown[]) => ({
      written: Number(replies[recreated]) !== 1,
      userBefore: replies[before],
      userAfter: replies[after],
    }),
  } satisfies MergeTransaction;
}
