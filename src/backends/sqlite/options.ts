/**
 * The options of SqliteBackend, with the Database it accepts declared here: the package's public types need none of
 * better-sqlite3's (files that use the driver's types are never reached from the package's entry point).
 */
import type { RowStoreOptions } from '../row-writes';

/**
 * What SqliteBackend needs of a better-sqlite3 12 `Database` the app passes: declared here, so that the package's
 * types need none of better-sqlite3's.
 */
export interface SqliteDatabase {
  readonly open: boolean;
  readonly readonly: boolean;
  prepare(source: string): unknown;
  exec(source: string): unknown;
  close(): unknown;
}

/** Options of {@link SqliteBackend} that both forms share. */
interface SqliteBackendSharedOptions extends RowStoreOptions {
  /** The table: letters, digits and `_`, at most 63. @default 'sessions' */
  table?: string;
}

/** Options of {@link SqliteBackend}: a file it opens and owns, or a better-sqlite3 `Database` the app owns. */
export type SqliteBackendOptions = SqliteBackendSharedOptions &
  (
    | {
        /** The SQLite file; opened in WAL mode, so readers never wait for a writer, and closed by `close()`. */
        filename: string;
        /** Milliseconds a write waits for another connection's lock before it fails. @default 1000 */
        busyTimeout?: number;
        database?: never;
      }
    | {
        /**
         * An open better-sqlite3 12 `Database`; the app owns it: SqliteBackend never closes or reconfigures it (give
         * it WAL mode and a `timeout` yourself).
         */
        database: SqliteDatabase;
        filename?: never;
        busyTimeout?: never;
      }
  );
