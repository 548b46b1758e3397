/**
 * A fault-injecting wrapper around a real backend: delays calls, makes chosen operations fail or hang, and records
 * every call, so specs can assert what reached the store (and what did not). It has `touch()` exactly when the
 * backend it wraps has one.
 */
import {
  BackendContext,
  InMemoryBackend,
  SessionBackend,
  type SessionChanges,
  type SessionData,
  type SessionMetadata,
} from '../../src';

export type Operation = 'read' | 'write' | 'touch' | 'remove' | 'exists';

export interface RecordedCall {
  operation: Operation;
  sessionId: string | undefined;
  data?: SessionData;
  ttl?: number;
  isNew?: boolean;
  changes?: SessionChanges;
  metadata?: SessionMetadata;
}

export class FaultyBackend extends SessionBackend {
  /** Every call, in order. */
  readonly calls: RecordedCall[] = [];
  /** Operations that throw until removed from the set. */
  readonly failing = new Set<Operation>();
  /** Operations that never answer until removed from the set (calls already waiting stay stuck). */
  readonly hanging = new Set<Operation>();
  /** Milliseconds each call waits before it runs. */
  delayMs = 0;

  constructor(readonly inner: SessionBackend = new InMemoryBackend()) {
    super();
    if (inner.touch === undefined) this.touch = undefined;
  }

  count(operation: Operation): number {
    return this.calls.filter(call => call.operation === operation).length;
  }

  async read(sessionId: string, ctx?: BackendContext) {
    await this.enter({ operation: 'read', sessionId });
    return this.inner.read(sessionId, ctx);
  }

  async write(data: SessionData, sessionId?: string, ctx?: BackendContext) {
    const { ttl, isNew, changes } = ctx ?? {};
    await this.enter({
      operation: 'write',
      sessionId,
      data: structuredClone(data),
      ttl,
      isNew,
      changes: structuredClone(changes),
    });
    return this.inner.write(data, sessionId, ctx);
  }

  override touch? = async (sessionId: string, metadata: SessionMetadata, ctx: BackendContext): Promise<void> => {
    await this.enter({ operation: 'touch', sessionId, metadata, ttl: ctx.ttl });
    return this.inner.touch!(sessionId, metadata, ctx);
  };

  async remove(sessionId: string, ctx?: BackendContext) {
    await this.enter({ operation: 'remove', sessionId });
    return this.inner.remove(sessionId, ctx);
  }

  override async exists(sessionId: string, ctx?: BackendContext) {
    await this.enter({ operation: 'exists', sessionId });
    return this.inner.exists(sessionId, ctx);
  }

  override generateId(): string {
    return this.inner.generateId();
  }

  private async enter(call: RecordedCall): Promise<void> {
    this.calls.push(call);
    if (this.delayMs > 0) await new Promise(resolve => setTimeout(resolve, this.delayMs));
    if (this.hanging.has(call.operation)) await new Promise(() => {});
    if (this.failing.has(call.operation)) throw new Error(`injected ${call.operation} failure`);
  }
}
