/**
 * The table PostgresBackend keeps sessions in, and its statements. One row per session: the SHA-256 of the id (the
 * raw id never reaches the database), the record as `jsonb` (top-level key: value, so a merge can set and delete
 * keys in one statement), and the expiry in unix seconds, indexed for pruning.
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

/** The index name for `table`'s expiry column, unqualified (an index lives in its table's schema). */
function expiryIndex(table: string): string {
  return `"${table.split('.').pop()}_expires"`;
}

/**
 * The DDL of the sessions table, for teams that manage migrations (pass `createTable: false` then).
 *
 * @example
 * await pool.query(postgresSessionSchema('app_sessions'));
 */
export function postgresSessionSchema(table = 'sessions'): string {
  if (!isTableName(table)) throw new Error(`not a table name PostgresBackend accepts: ${JSON.stringify(table)}`);
  const name = quoted(table);
  return (
    `CREATE TABLE IF NOT EXISTS ${name} (id text PRIMARY KEY, data jsonb NOT NULL, expires bigint NOT NULL);\n` +
    `CREATE INDEX IF NOT EXISTS ${expiryIndex(table)} ON ${name} (expires);`
  );
}

/** The statements of one table. Parameters: `$1` the hashed id, then as named in each comment. */
export function statements(table: string) {
  const name = quoted(table);
  return {
    /** $2: now. */
    read: `SELECT data::text AS data FROM ${name} WHERE id = $1 AND expires > $2`,
    /** $2: now. */
    exists: `SELECT 1 FROM ${name} WHERE id = $1 AND expires > $2`,
    /** $2: data, $3: expires, $4: now. A live row under the id wins: nothing is written, no row is returned. */
    create:
      `INSERT INTO ${name} AS s (id, data, expires) VALUES ($1, $2::jsonb, $3) ` +
      `ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, expires = EXCLUDED.expires WHERE s.expires <= $4 RETURNING 1`,
    /** $2: keys to delete, $3: keys to set (an object), $4: expires, $5: now. Nothing when the row is gone. */
    merge: `UPDATE ${name} SET data = (data - $2::text[]) || $3::jsonb, expires = $4 WHERE id = $1 AND expires > $5`,
    /** $2: data, $3: expires, $4: now. Nothing when the row is gone. */
    replaceExisting: `UPDATE ${name} SET data = $2::jsonb, expires = $3 WHERE id = $1 AND expires > $4`,
    /** $2: data, $3: expires. */
    upsert:
      `INSERT INTO ${name} (id, data, expires) VALUES ($1, $2::jsonb, $3) ` +
      `ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, expires = EXCLUDED.expires`,
    /** $2: metadata, $3: expires, $4: now. Nothing when the row is gone. */
    touch: `UPDATE ${name} SET data = jsonb_set(data, '{${METADATA_KEY}}', $2::jsonb), expires = $3 WHERE id = $1 AND expires > $4`,
    remove: `DELETE FROM ${name} WHERE id = $1`,
    /** $1: now. */
    prune: `DELETE FROM ${name} WHERE expires <= $1`,
  };
}
