/**
 * The table SqliteBackend keeps sessions in. One row per session: the SHA-256 of the id (base64url, as every store
 * names sessions; the raw id never reaches the file), the record as JSON text (top-level key: value, so a merge can
 * set and delete single keys with SQLite's JSON functions), the user it belongs to (for the user index; null
 * without one), and the expiry in unix seconds, indexed for pruning.
 */

/** A table name that is safe inside double quotes with no escaping at all. */
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Whether `table` is a name {@link SqliteBackend} accepts. */
export function isTableName(table: unknown): table is string {
  return typeof table === 'string' && TABLE_NAME.test(table);
}

/** The table of session locks beside `table`. */
export function lockTableOf(table: string): string {
  return `${table}_locks`;
}

/** `table` double-quoted, for statements (only ever called with a name {@link isTableName} accepted). */
export function quotedTable(table: string): string {
  return `"${table}"`;
}

/**
 * The DDL of the sessions table, its indexes and the table of its locks (`<table>_locks`), for teams that manage migrations (then pass
 * `createTable: false`). Safe to run again: every statement is `IF NOT EXISTS`.
 *
 * @example
 * db.exec(sqliteSessionSchema('app_sessions'));
 */
export function sqliteSessionSchema(table = 'sessions'): string {
  if (!isTableName(table)) throw new Error(`not a table name SqliteBackend accepts: ${JSON.stringify(table)}`);
  return (
    `CREATE TABLE IF NOT EXISTS ${quotedTable(table)} (\n` +
    `  id TEXT PRIMARY KEY NOT NULL,\n` +
    `  data TEXT NOT NULL,\n` +
    `  user_id TEXT,\n` +
    `  expires INTEGER NOT NULL\n` +
    `);\n` +
    `CREATE INDEX IF NOT EXISTS "${table}_expires" ON ${quotedTable(table)} (expires);\n` +
    `CREATE INDEX IF NOT EXISTS "${table}_user_id" ON ${quotedTable(table)} (user_id) WHERE user_id IS NOT NULL;\n` +
    `CREATE TABLE IF NOT EXISTS ${quotedTable(lockTableOf(table))} ` +
    `(id TEXT PRIMARY KEY NOT NULL, token TEXT NOT NULL, expires INTEGER NOT NULL);\n`
  );
}

/**
 * The JSON path of the top-level key `key`, for `json_set` and `json_remove`. SQLite reads a double-quoted path
 * label with JSON string escapes, so the key's own JSON text names it exactly, whatever it holds (dots, quotes,
 * brackets, `$`). SqliteBackend checks once that the SQLite it is given reads labels so (see `supportsKeyPaths`).
 */
export function keyPath(key: string): string {
  return `$.${JSON.stringify(key)}`;
}
