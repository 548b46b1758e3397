/**
 * Where sessions report what happens to them: lifecycle events on a `node:diagnostics_channel` channel and the
 * `onEvent` option, and every backend call on a tracing channel (for OpenTelemetry and APMs). Nothing is built or
 * hashed unless someone listens, so an app that does not listen pays one check per event.
 */
import { channel, tracingChannel } from 'node:diagnostics_channel';
import type { Request } from 'express';
import type { BackendOperation } from '../errors';
import { debug } from '../internal/debug';
import { digest } from '../internal/digest';
import type { SessionEvent, SessionEventListener, SessionEventType } from './session-event';

/** The diagnostics channel of lifecycle events; each message is a {@link SessionEvent}. */
export const SESSION_EVENTS_CHANNEL = 'routing-controllers-sessions:session';

/**
 * The tracing channel of backend calls: `tracing:routing-controllers-sessions:backend:start`, `end`, `asyncStart`,
 * `asyncEnd` and `error`, each with a {@link BackendCallContext}.
 */
export const BACKEND_TRACING_CHANNEL = 'routing-controllers-sessions:backend';

/** The context object of one backend call on {@link BACKEND_TRACING_CHANNEL}: no id, no data. */
export interface BackendCallContext {
  readonly operation: BackendOperation;
  /** The backend's class name. */
  readonly backend: string;
  /** Set by the tracing channel when the call fails: a `SessionBackendError` (`timedOut` when it did not answer). */
  error?: unknown;
}

const events = channel(SESSION_EVENTS_CHANNEL);
const backendCalls = tracingChannel<BackendCallContext>(BACKEND_TRACING_CHANNEL);

/** What publishing an event needs of a configuration. */
interface EventSource {
  readonly backend: object;
  readonly onEvent: SessionEventListener | undefined;
}

/** Publishes an event of the session `id` (its `previousId`, the failed `operation`) to whoever listens. */
export function publishSessionEvent(
  source: EventSource,
  request: Request,
  type: SessionEventType,
  id: string | undefined,
  previousId?: string,
  operation?: BackendOperation,
): void {
  const listener = source.onEvent;
  if (listener === undefined && !events.hasSubscribers) return;
  const event: { -readonly [K in keyof SessionEvent]: SessionEvent[K] } = { type, backend: nameOf(source.backend) };
  if (id !== undefined) event.handle = digest(id);
  if (previousId !== undefined) event.previousHandle = digest(previousId);
  if (operation !== undefined) event.operation = operation;
  if (events.hasSubscribers) events.publish(event);
  if (listener !== undefined) {
    try {
      listener(event, request);
    } catch {
      // An observer must not change what happens to the request.
      debug('onEvent threw on a %s event; ignored', type);
    }
  }
}

/** Runs the backend call `run` on the tracing channel: call it when {@link isBackendTraced}. */
export async function traceBackendCall<T>(
  backend: object,
  operation: BackendOperation,
  run: () => Promise<T>,
): Promise<T> {
  let value: T;
  // Resolves to nothing, so that the context's `result` never holds a record or an id.
  await backendCalls.tracePromise(
    async () => {
      value = await run();
    },
    { operation, backend: nameOf(backend) },
  );
  return value!;
}

/** Whether anyone listens to the backend tracing (TracingChannel's own `hasSubscribers` needs Node 20.13). */
export function isBackendTraced(): boolean {
  const { start, end, asyncStart, asyncEnd, error } = backendCalls;
  return (
    start.hasSubscribers ||
    end.hasSubscribers ||
    asyncStart.hasSubscribers ||
    asyncEnd.hasSubscribers ||
    error.hasSubscribers
  );
}

function nameOf(backend: object): string {
  return backend.constructor?.name ?? 'SessionBackend';
}
