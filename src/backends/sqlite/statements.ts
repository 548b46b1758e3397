/**
 * The prepared statements of SqliteBackend for one table. Every write is one statement, so each is atomic on its
 * own, across processes too: SQLite runs it in a write transaction of its own and rechecks the row there. That is what
 * makes "nothing if the row is gone" hold when a logout lands between a request's read and its write.
 */
import type { Database, Statement } from 'better-sqlite3';
import { METADATA_KEY } from '../../record';
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
  /** Parameters: row key, data, expires, now. Takes over an expired row; leaves a live one (no change). */
  readonly create: Statement<[string, string, number, number]>;
  /** Parameters: row key, data, expires. */
  readonly upsert: Statement<[string, string, number]>;
  /** Parameters: data, expires, row key, now. Nothing when the row is gone. */
  readonly replaceExisting: Statement<[string, number, string, number]>;
  /** Parameters: metadata JSON, expires, row key, now. Nothing when the row is gone. */
  readonly touch: Statement<[string, number, string, number]>;
  /** Parameters: row key. */
  readonly remove: Statement<[string]>;
  /** Parameters: now, most rows. Deletes a batch of expired rows. */
  readonly pruneBatch: Statement<[number, number]>;

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
    this.create = db.prepare(
      `INSERT INTO ${t} (id, data, expires) VALUES (?, ?, ?) ` +
        `ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires = excluded.expires WHERE ${t}.expires <= ?`,
    );
    this.upsert = db.prepare(
      `INSERT INTO ${t} (id, data, expires) VALUES (?, ?, ?) ` +
        `ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires = excluded.expires`,
    );
    this.replaceExisting = db.prepare(`UPDATE ${t} SET data = ?, expires = ? WHERE id = ? AND expires > ?`);
    this.touch = db.prepare(
      `UPDATE ${t} SET data = json_set(data, '${keyPath(METADATA_KEY)}', json(?)), expires = ? ` +
        `WHERE id = ? AND expires > ? AND ${HOLDS_OBJECT}`,
    );
    this.remove = db.prepare(`DELETE FROM ${t} WHERE id = ?`);
    this.pruneBatch = db.prepare(`DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} WHERE expires <= ? LIMIT ?)`);
  }

  /**
   * Sets and removes single top-level keys of a live row, and its expiry, in one statement; true when the row was
   * there. `json_set` replaces a key's value whole (unlike `json_patch`, which would merge nested objects).
   */
  merge(rowKey: string, changes: KeyChanges, expires: number, now: number): boolean {
    const keys = changes.set.length / 2;
    const params: Array<string | number> = changes.removed.map(keyPath);
    for (let i = 0; i < changes.set.length; i += 2) params.push(keyPath(changes.set[i]), changes.set[i + 1]);
    params.push(expires, rowKey, now);
    return this.mergeStatement(changes.removed.length, keys).run(...params).changes > 0;
  }

  private mergeStatement(removed: number, set: number): Statement {
    const shape = `${removed}/${set}`;
    let statement = this.mergeShapes.get(shape);
    if (statement === undefined) {
      let data = 'data';
      for (let left = removed; left > 0; left -= KEYS_PER_CALL)
        data = `json_remove(${data}${', ?'.repeat(Math.min(left, KEYS_PER_CALL))})`;
      for (let left = set; left > 0; left -= KEYS_PER_CALL)
        data = `json_set(${data}${', ?, json(?)'.repeat(Math.min(left, KEYS_PER_CALL))})`;
      statement = this.db.prepare(
        `UPDATE ${this.table} SET data = ${data}, expires = ? WHERE id = ? AND expires > ? AND ${HOLDS_OBJECT}`,
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
