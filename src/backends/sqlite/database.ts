/** The database of a SqliteBackend: a file it opens (loading the driver only then), or a Database the app passes. */
import type { Database } from 'better-sqlite3';
import { SessionError } from '../../errors';

const DEFAULT_BUSY_TIMEOUT = 1000;

/** Opens `filename` with better-sqlite3, loaded only now: importing the library never loads the driver. */
export function openFile(options: { filename?: unknown; busyTimeout?: unknown }): Database {
  const { filename, busyTimeout = DEFAULT_BUSY_TIMEOUT } = options;
  if (typeof filename !== 'string' || filename === '') throw invalid('filename', 'expected the path of a file');
  if (!Number.isInteger(busyTimeout) || (busyTimeout as number) < 0) {
    throw invalid('busyTimeout', 'expected whole milliseconds >= 0');
  }
  const db = new (loadDriver())(filename, { timeout: busyTimeout as number });
  try {
    db.pragma('journal_mode = WAL');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

function loadDriver(): typeof import('better-sqlite3') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily: only this form needs the driver
    return require('better-sqlite3') as typeof import('better-sqlite3');
  } catch (error) {
    throw new SessionError(
      'NOT_CONFIGURED',
      'SqliteBackend({ filename }) needs better-sqlite3: npm install better-sqlite3@12',
      {
        cause: error,
      },
    );
  }
}

export function checkedDatabase(options: { database?: unknown; filename?: unknown; busyTimeout?: unknown }): Database {
  const { database } = options;
  if (options.filename !== undefined) throw invalid('filename', 'give a `filename` or a `database`, not both');
  if (options.busyTimeout !== undefined) {
    throw invalid('busyTimeout', 'only for a `filename`: give your `database` a `timeout` instead');
  }
  const candidate = database as Partial<Database> | null;
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.prepare !== 'function') {
    throw invalid('database', 'expected a better-sqlite3 Database (new Database(file))');
  }
  if (candidate.open !== true) throw invalid('database', 'the Database is closed');
  if (candidate.readonly === true) throw invalid('database', 'the Database is read-only');
  return database as unknown as Database;
}

export function invalid(option: string, expected: string): SessionError {
  return new SessionError('INVALID_OPTION', `Invalid SqliteBackend option \`${option}\`: ${expected}`);
}
