/**
 * The Lua scripts of RedisBackend. Each touches exactly one key (KEYS[1]), so each runs atomically on one node of a
 * cluster. A session is a hash: field = top-level key of the record, value = that key's JSON text.
 *
 * Anything under a session key that is not a hash (another program's string, a list) counts as no session.
 */
import { LuaScript } from './redis-connection';

/**
 * Writes a whole session (a merge of changed keys needs no script: see merge-transaction.ts).
 * ARGV: mode, ttl (seconds >= 1), user field ('' for none), n, then n field/value pairs.
 * Modes: 'create' writes only if nothing at all is stored under the key (a new session never takes over another's
 * record); 'replace' writes whatever is there; 'replace-existing' only if the session still exists (so a logout
 * wins over a slower request on the same session).
 * Returns nil when nothing was written, else { 1, user before, user after } (nil where there is none).
 */
export const WRITE = new LuaScript(`
local key, mode, ttl, userField = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
if mode == 'create' and redis.call('EXISTS', key) == 1 then return false end
local isHash = redis.call('TYPE', key).ok == 'hash'
if mode == 'replace-existing' and not isHash then return false end
local before = false
if userField ~= '' and isHash then before = redis.call('HGET', key, userField) end
redis.call('DEL', key)
for i = 5, 4 + 2 * tonumber(ARGV[4]), 2 do redis.call('HSET', key, ARGV[i], ARGV[i + 1]) end
if redis.call('EXISTS', key) == 0 then return { 1, before, false } end
redis.call('EXPIRE', key, ttl)
local after = false
if userField ~= '' then after = redis.call('HGET', key, userField) end
return { 1, before, after }
`);

/** Deletes a session. ARGV: user field ('' for none). Returns the user it belonged to, or nil. */
export const REMOVE = new LuaScript(`
local user = false
if ARGV[1] ~= '' and redis.call('TYPE', KEYS[1]).ok == 'hash' then user = redis.call('HGET', KEYS[1], ARGV[1]) end
redis.call('DEL', KEYS[1])
return user
`);

/**
 * Keeps one entry of a user index (a sorted set: member = session handle, score = its expiry in unix ms on the Redis
 * clock). ARGV: handle, ttl in seconds (0 removes the entry). Drops expired entries, and expires the index with its
 * last session. Returns the number of entries left.
 */
export const INDEX = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  redis.call('ZADD', KEYS[1], string.format('%.0f', now + ttl * 1000), ARGV[1])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now))
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if #last == 0 then return 0 end
redis.call('PEXPIREAT', KEYS[1], last[2])
return redis.call('ZCARD', KEYS[1])
`);

/**
 * Looks at (or deletes) a session listed in a user index, but only if it still belongs to that user: an index entry
 * may be stale (the user logged out of that session without destroying it). ARGV: user field, 'get' or 'delete',
 * label field ('' for none), then the JSON texts the user id may be stored as. Returns nil when it is not that
 * user's, else 1 ('delete') or { metadata JSON or '', ttl in ms, label JSON or '' } ('get').
 */
export const USER_SESSION = new LuaScript(`
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return false end
local user = redis.call('HGET', KEYS[1], ARGV[1])
local theirs = false
for i = 4, #ARGV do theirs = theirs or user == ARGV[i] end
if not theirs then return false end
if ARGV[2] == 'delete' then
  redis.call('DEL', KEYS[1])
  return 1
end
local label = ''
if ARGV[3] ~= '' then label = redis.call('HGET', KEYS[1], ARGV[3]) or '' end
return { redis.call('HGET', KEYS[1], '__session') or '', redis.call('PTTL', KEYS[1]), label }
`);

/** Releases a session lock if `ARGV[1]` (its token) still holds it: a lock whose lease ran out may be another's. */
export const UNLOCK = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);
