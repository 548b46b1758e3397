/**
 * InMemoryBackend: sessions in this process's memory, for tests, demos and single-process apps.
 *
 * Records are stored as JSON text, so a handler can never reach a stored object by reference.
 * Memory is bounded: past `maxEntries` the least recently written session is evicted, and expired entries are
 * dropped when met or while writing, a couple at a time, so no request pays for a full scan.
 */
import { SessionError } from '../errors';
import { parseSession, stringifySession } from '../serializers/json';
import type { SessionData } from '../session/session-data';
import { BackendContext, SessionBackend, contextNow } from './backend';

/** Options of {@link InMemoryBackend}. */
export interface InMemoryBackendOptions {
  /**
   * Most sessions kept; the least recently written is evicted beyond it, so a flood of new sessions cannot
   * exhaust the heap.
   * @default 100000
   */
  maxEntries?: number;
}

interface Entry {
  text: string;
  /** Unix seconds. */
  expiresAt: number;
}

const DEFAULT_TTL = 14 * 24 * 3600;
/** Expired entries examined per write: enough to keep up with writes, too few to be felt. */
const SWEEP_PER_WRITE = 2;

/**
 * Sessions in a `Map` of this process. Not shared between processes, lost on restart.
 *
 * @example
 * configureSessions({ secretKey, backend: new InMemoryBackend({ maxEntries: 10_000 }) });
 */
export class InMemoryBackend extends SessionBackend {
  /** Insertion order is write order: the first entry is the least recently written. */
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;

  constructor(options: InMemoryBackendOptions = {}) {
    super();
    const maxEntries = options.maxEntries === undefined ? 100_000 : options.maxEntries;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new SessionError('INVALID_OPTION', 'Invalid InMemoryBackend option `maxEntries`: expected a whole number >= 1');
    }
    this.maxEntries = maxEntries;
  }

  /** How many sessions are stored (expired ones not yet dropped included). */
  get size(): number {
    return this.entries.size;
  }

  async read(sessionId: string, ctx?: BackendContext): Promise<SessionData | undefined> {
    const entry = this.live(sessionId, contextNow(ctx));
    return entry === undefined ? undefined : parseSession(entry.text);
  }

  async write(data: SessionData, sessionId?: string, ctx?: BackendContext): Promise<string> {
    const id = sessionId ?? this.generateId();
    const now = contextNow(ctx);
    this.entries.delete(id); // re-inserted last: most recently written
    this.entries.set(id, { text: stringifySession(data), expiresAt: now + (ctx?.ttl ?? DEFAULT_TTL) });
    this.evict(now);
    return id;
  }

  async remove(sessionId: string): Promise<void> {
    this.entries.delete(sessionId);
  }

  async exists(sessionId: string, ctx?: BackendContext): Promise<boolean> {
    return this.live(sessionId, contextNow(ctx)) !== undefined;
  }

  /** Removes every session. */
  clear(): void {
    this.entries.clear();
  }

  private live(sessionId: string, now: number): Entry | undefined {
    const entry = this.entries.get(sessionId);
    if (entry !== undefined && entry.expiresAt <= now) {
      this.entries.delete(sessionId);
      return undefined;
    }
    return entry;
  }

  private evict(now: number): void {
    let examined = 0;
    for (const [id, entry] of this.entries) {
      const overflow = this.entries.size > this.maxEntries;
      if (!overflow && (examined++ >= SWEEP_PER_WRITE || entry.expiresAt > now)) break;
      this.entries.delete(id);
    }
  }
}
