/**
 * A custom backend written the way docs/backends.md shows it: the methods over a `Map`, nothing else.
 *
 * Deliberately naive, like a user's first backend: it keeps the very object it is given, ignores `ctx` (so no TTL
 * of its own) and relies on the inherited `generateId()`. The library must work with it as it is.
 */
import { Service } from 'typedi';
import { SessionBackend, type SessionData } from '../../src';

@Service()
export class MapBackend extends SessionBackend {
  private readonly records = new Map<string, SessionData>();

  async read(sessionId: string): Promise<SessionData | undefined> {
    return this.records.get(sessionId);
  }

  async write(data: SessionData, sessionId?: string): Promise<string> {
    const id = sessionId ?? this.generateId();
    this.records.set(id, data);
    return id;
  }

  async remove(sessionId: string): Promise<void> {
    this.records.delete(sessionId);
  }

  override async exists(sessionId: string): Promise<boolean> {
    return this.records.has(sessionId);
  }
}
