/** Every backend call of a request runs through here: under `backendTimeout`, and failing as a 503. */
import { type BackendOperation, SessionBackendError, SessionError } from '../errors';
import { withDeadline } from '../internal/deadline';
import { debug } from '../internal/debug';

/** Told of the backend calls that fail. */
export interface BackendFailureObserver {
  backendFailed(error: SessionBackendError): void;
}

/**
 * Runs `run` under `timeout` milliseconds (0: none); whatever it throws becomes a SessionBackendError (503), except
 * this library's own errors, and is told to `observer`.
 */
export async function guardBackendCall<T>(
  operation: BackendOperation,
  timeout: number,
  run: () => T | Promise<T>,
  observer?: BackendFailureObserver,
): Promise<T> {
  try {
    // Promise.resolve: a loosely written backend may return a plain value.
    const running = Promise.resolve(run());
    return await (timeout === 0 ? running : withDeadline(running, timeout, () => timedOut(operation, timeout)));
  } catch (error) {
    if (error instanceof SessionError) throw error;
    const failure = error instanceof SessionBackendError ? error : new SessionBackendError(operation, { cause: error });
    observer?.backendFailed(failure);
    throw failure;
  }
}

function timedOut(operation: BackendOperation, timeout: number): SessionBackendError {
  debug('backend %s did not answer within %d ms', operation, timeout);
  return new SessionBackendError(operation, { timeout });
}
