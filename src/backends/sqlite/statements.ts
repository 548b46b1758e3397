/**
 * The prepared statements of SqliteBackend for one table. Every write is one statement, so each is atomic on its
 * own, across processes too: SQLite runs it in a write transaction of its own and rechecks the row there. That is what
 * makes "nothing if the row is gone" hold when a logout lands between a request's read and its write.
 */
import type { Database, Statement } from 'better-sqlite3';
import { METADATA_KEY } from '../../record';
import type { UserRow } from '../row-writes';
import { keyPath, quotedTable } from './schema';

/**
 * The row holds a JSON object as text (what `read` accepts): other bytes under a key, a blob included, are no session,
 * and nothing is merged into them. The CASE keeps `json_type` away from text that is not JSON, which it rejects.
 */
const HOLDS_OBJECT = `typeof(data) = 'text' AND (CASE WHEN json_valid(data) THEN json_type(data) END) = 'object'`;
/**
 * Keys per `json_set` / `json_remove` call: SQLite builds may cap a function's arguments at 127, so longer lists
 * are nested calls of at most this many.
 */
const KEYS_PER_CALL = 60;
/** Merge statements kept prepared, by shape (how many keys are removed and set). */
const MAX_MERGE_SHAPES = 64;

/** Keys a merge sets (with their values' JSON text) and removes. */
export interface KeyChanges {
  /** Key, JSON text, key, JSON text, ... */
  readonly set: readonly string[];
  readonly removed: readonly string[];
}

export class SessionStatements {
  private readonly table: string;
  private readonly mergeShapes = new Map<string, Statement>();
  /** Parameters: row key, now. */
  readonly read: Statement<[string, number], string>;
  /** Parameters: row key, now. True for a live row that `read` would return. */
  readonly exists: Statement<[string, number], number>;
  /** Parameters: row key, data, user, expires, now. Takes over an expired row; leaves a live one (no change). */
  readonly create: Statement<[string, string, string | null, number, number]>;
  /** Parameters: row key, data, user, expires. */
  readonly upsert: Statement<[string, string, string | null, number]>;
  /** Parameters: data, user, expires, row key, now. Nothing when the row is gone. */
  readonly replaceExisting: Statement<[string, string | null, number, string, number]>;
  /** Parameters: metadata JSON, expires, row key, now. Nothing when the row is gone. */
  readonly touch: Statement<[string, number, string, number]>;
  /** Parameters: row key. */
  readonly remove: Statement<[string]>;
  /** Parameters: now, most rows. Deletes a batch of expired rows. */
  readonly pruneBatch: Statement<[number, number]>;
  /** Parameters: the label's JSON path (null for none), the user's column values as a JSON array, now. */
  readonly listUser: Statement<[string | null, string, number], UserRow>;
  /** Parameters: the user's column values as a JSON array, the row key kept (or null), now. */
  readonly destroyUser: Statement<[string, string | null, number]>;

  constructor(
    private readonly db: Database,
    table: string,
  ) {
    const t = quotedTable(table);
    this.table = t;
    this.read = db.prepare<[string, number], string>(`SELECT data FROM ${t} WHERE id = ? AND expires > ?`).pluck();
    this.exists = db
      .prepare<[string, number], number>(`SELECT 1 FROM ${t} WHERE id = ? AND expires > ? AND ${HOLDS_OBJECT}`)
      .pluck();
    const insert = `INSERT INTO ${t} (id, data, user_id, expires) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data, user_id = excluded.user_id, expires = excluded.expires`;
    this.create = db.prepare(`${insert} WHERE ${t}.expires <= ?`);
    this.upsert = db.prepare(insert);
    this.replaceExisting = db.prepare(
      `UPDATE ${t} SET data = ?, user_id = ?, expires = ? WHERE id = ? AND expires > ?`,
    );
    this.touch = db.prepare(
      `UPDATE ${t} SET data = json_set(data, '${keyPath(METADATA_KEY)}', json(?)), expires = ? ` +
        `WHERE id = ? AND expires > ? AND ${HOLDS_OBJECT}`,
    );
    this.remove = db.prepare(`DELETE FROM ${t} WHERE id = ?`);
    this.pruneBatch = db.prepare(`DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} WHERE expires <= ? LIMIT ?)`);
    const ofUser = `user_id IN (SELECT value FROM json_each(?))`;
    this.listUser = db.prepare(
      `SELECT id, json_extract(data, '${keyPath(METADATA_KEY)}') AS metadata, ` +
        `data -> ? AS label, expires ` +
        `FROM ${t} WHERE ${ofUser} AND expires > ? AND ${HOLDS_OBJECT} ORDER BY expires`,
    );
    this.destroyUser = db.prepare(`DELETE FROM ${t} WHERE ${ofUser} AND id IS NOT ? AND expires > ?`);
  }

  /**
   * Sets and removes single top-level keys of a live row, and its expiry, in one statement; true when the row was
   * there. `json_set` replaces a key's value whole (unlike `json_patch`, which would merge nested objects).
   */
  merge(rowKey: string, changes: KeyChanges, user: string | null | undefined, expires: number, now: number): boolean {
    const keys = changes.set.length / 2;
    const params: Array<string | number | null> = changes.removed.map(keyPath);
    for (let i = 0; i < changes.set.length; i += 2) params.push(keyPath(changes.set[i]), changes.set[i + 1]);
    if (user !== undefined) params.push(user);
    params.push(expires, rowKey, now);
    return this.mergeStatement(changes.removed.length, keys, user !== undefined).run(...params).changes > 0;
  }

  private mergeStatement(removed: number, set: number, setsUser: boolean): Statement {
    const shape = `${removed}/${set}/${setsUser}`;
    let statement = this.mergeShapes.get(shape);
    if (statement === undefined) {
      let data = 'data';
      for (let left = removed; left > 0; left -= KEYS_PER_CALL)
        data = `json_remove(${data}${', ?'.repeat(Math.min(left, KEYS_PER_CALL))})`;
      for (let left = set; left > 0; left -= KEYS_PER_CALL)
        data = `json_set(${data}${', ?, json(?)'.repeat(Math.min(left, KEYS_PER_CALL))})`;
      statement = this.db.prepare(
        `UPDATE ${this.table} SET data = ${data}, ${setsUser ? 'user_id = ?, ' : ''}expires = ? ` +
          `WHERE id = ? AND expires > ? AND ${HOLDS_OBJECT}`,
      );
      if (this.mergeShapes.size >= MAX_MERGE_SHAPES) this.mergeShapes.delete(this.mergeShapes.keys().next().value!);
    }
    this.mergeShapes.delete(shape); // re-inserted last: the most recently used shape
    this.mergeShapes.set(shape, statement);
    return statement;
  }
}

/**
 * Whether `db`'s SQLite has the JSON functions and reads escaped path labels (`$."a\"b"`), which {@link keyPath}
 * relies on for keys holding quotes: checked once, as not every SQLite build an app links may read labels so.
 */
export function supportsKeyPaths(db: Database): boolean {
  try {
    const text = db
      .prepare<[string, string], string>(`SELECT json_set('{}', ?, json(?))`)
      .pluck()
      .get(keyPath('a"b.c'), '1');
    return text === '{"a\\"b.c":1}';
  } catch {
    return false;
  }
}
