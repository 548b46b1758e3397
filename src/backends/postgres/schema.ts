/**
 * The table PostgresBackend keeps sessions in, and its statements. One row per session: the SHA-256 of the id (the
 * raw id never reaches the database), the record as `jsonb` (top-level key: value, so a merge can set and delete
 * keys in one statement), the user it belongs to (for the user index; null without one), and the expiry in unix
 * seconds, indexed for pruning.
 */
import { METADATA_KEY } from '../../record';

/** A table name that needs no quoting rules beyond double quotes: letters, digits, `_`, optionally `schema.table`. */
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;

/** Whether `table` is a name {@link PostgresBackend} accepts. */
export function isTableName(table: string): boolean {
  return TABLE_NAME.test(table);
}

/** `table`, double-quoted part by part: `"sessions"`, `"app"."sessions"`. */
export function quoted(table: string): string {
  return table
    .split('.')
    .map(part => `"${part}"`)
    .join('.');
}

/** The name of the index of `table`'s `column`, unqualified (an index lives in its table's schema). */
function indexName(table: string, column: string): string {
  return `"${table.split('.').pop()}_${column}"`;
}

/** The table of session locks beside `table`: `sessions_locks`, `app.sessions_locks`. */
export function lockTableOf(table: string): string {
  return `${table}_locks`;
}

/**
 * The DDL of the sessions table and of its locks' table (`<table>_locks`: the hashed id, the holder's token, the
 * lease's end in unix ms on the database's clock), for teams that manage migrations (pass `createTable: false` then).
 *
 * @example
 * await pool.query(postgresSessionSchema('app_sessions'));
 */
export function postgresSessionSchema(table = 'sessions'): string {
  if (!isTableName(table)) throw new Error(`not a table name PostgresBackend accepts: ${JSON.stringify(table)}`);
  const name = quoted(table);
  return (
    `CREATE TABLE IF NOT EXISTS ${name} (id text PRIMARY KEY, data jsonb NOT NULL, user_id text, expires bigint NOT NULL);\n` +
    `CREATE INDEX IF NOT EXISTS ${indexName(table, 'expires')} ON ${name} (expires);\n` +
    `CREATE INDEX IF NOT EXISTS ${indexName(table, 'user_id')} ON ${name} (user_id) WHERE user_id IS NOT NULL;\n` +
    lockTableSchema(table)
  );
}

/** The DDL of the locks table alone (in {@link postgresSessionSchema} too). */
export function lockTableSchema(table: string): string {
  const columns = 'id text PRIMARY KEY, token text NOT NULL, expires bigint NOT NULL';
  return `CREATE TABLE IF NOT EXISTS ${quoted(lockTableOf(table))} (${columns});`;
}

/**
 * The statements of one table. Parameters: `$1` the row key (the hashed id), then as named in each comment; `user`
 * is the user column (see the `userKey` option), `now` and `expires` unix seconds.
 */
export function statements(table: string) {
  const name = quoted(table);
  const locks = quoted(lockTableOf(table));
  // Leases run on the database's clock, the one clock every process of the app shares.
  const nowMs = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';
  const setAll = 'SET data = EXCLUDED.data, user_id = EXCLUDED.user_id, expires = EXCLUDED.expires';
  return {
    /** $2: now. */
    read: `SELECT data::text AS data FROM ${name} WHERE id = $1 AND expires > $2`,
    /** $2: now. */
    exists: `SELECT 1 FROM ${name} WHERE id = $1 AND expires > $2`,
    /** $2: data, $3: user, $4: expires, $5: now. A live row under the id wins: nothing is written, no row is returned. */
    create:
      `INSERT INTO ${name} AS s (id, data, user_id, expires) VALUES ($1, $2::jsonb, $3, $4) ` +
      `ON CONFLICT (id) DO UPDATE ${setAll} WHERE s.expires <= $5 RETURNING 1`,
    /**
     * $2: keys to delete, $3: keys to set (an object), $4: whether the user changes, $5: the user, $6: expires,
     * $7: now. Nothing when the row is gone.
     */
    merge:
      `UPDATE ${name} SET data = (data - $2::text[]) || $3::jsonb, ` +
      `user_id = CASE WHEN $4::boolean THEN $5::text ELSE user_id END, expires = $6 WHERE id = $1 AND expires > $7`,
    /** $2: data, $3: user, $4: expires, $5: now. Nothing when the row is gone. */
    replaceExisting: `UPDATE ${name} SET data = $2::jsonb, user_id = $3, expires = $4 WHERE id = $1 AND expires > $5`,
    /** $2: data, $3: user, $4: expires. */
    upsert: `INSERT INTO ${name} (id, data, user_id, expires) VALUES ($1, $2::jsonb, $3, $4) ON CONFLICT (id) DO UPDATE ${setAll}`,
    /** $2: metadata, $3: expires, $4: now. Nothing when the row is gone. */
    touch: `UPDATE ${name} SET data = jsonb_set(data, '{${METADATA_KEY}}', $2::jsonb), expires = $3 WHERE id = $1 AND expires > $4`,
    remove: `DELETE FROM ${name} WHERE id = $1`,
    /** $1: now. */
    prune: `DELETE FROM ${name} WHERE expires <= $1`,
    /** $1: the user's column values, $2: the label key, $3: now. */
    listUser:
      `SELECT id, (data -> '${METADATA_KEY}')::text AS metadata, (data -> $2)::text AS label, expires ` +
      `FROM ${name} WHERE user_id = ANY($1::text[]) AND expires > $3 ORDER BY expires`,
    /** $2: the token, $3: the lease in ms. Takes a lock that is free or whose lease ended; returns a row if taken. */
    lock:
      `INSERT INTO ${locks} AS l (id, token, expires) VALUES ($1, $2, ${nowMs} + $3) ` +
      `ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token, expires = EXCLUDED.expires WHERE l.expires <= ${nowMs} ` +
      'RETURNING 1',
    /** $2: the token. */
    unlock: `DELETE FROM ${locks} WHERE id = $1 AND token = $2`,
    pruneLocks: `DELETE FROM ${locks} WHERE expires <= ${nowMs}`,
    /** $1: the user's column values, $2: the row key kept (or null), $3: now. */
    destroyUser: `DELETE FROM ${name} WHERE user_id = ANY($1::text[]) AND id IS DISTINCT FROM $2 AND expires > $3`,
  };
}
